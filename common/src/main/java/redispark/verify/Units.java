package redispark.verify;

/**
 * Unit and counting words removed at the end of an answer ("12 cm", "5 apples" is not here: only
 * words that are units). Single letters (m, s, g, h) are deliberately absent: they are as often
 * variables as units, and removing them would turn "3m" into "3".
 */
final class Units {

    static final String WORDS = String.join("|",
            "cm", "mm", "km", "nm", "meters?", "metres?", "centimeters?", "centimetres?", "millimeters?",
            "kilometers?", "inch(?:es)?", "feet", "foot", "ft", "yards?", "yd", "miles?",
            "seconds?", "secs?", "minutes?", "mins?", "hours?", "hrs?", "days?", "weeks?", "months?", "years?",
            "degrees?", "radians?", "rad", "dollars?", "cents?", "euros?", "pounds?", "lbs?", "ounces?", "oz",
            "grams?", "kilograms?", "kg", "mg", "liters?", "litres?", "ml", "mL", "gallons?", "quarts?", "pints?",
            "cups?", "units?", "square units?", "sq units?", "mph", "kph", "km/h", "m/s", "Hz", "kHz", "MHz",
            "watts?", "kW", "joules?", "kJ", "eV", "keV", "MeV", "newtons?", "pascals?", "Pa",
            "kelvins?", "volts?", "amps?", "ohms?", "calories?", "kcal", "moles?", "mol",
            "atm", "Angstroms?", "kpc", "Mpc", "people", "persons?", "students?", "times",
            "ways", "points?", "percent");

    private Units() {
    }
}
