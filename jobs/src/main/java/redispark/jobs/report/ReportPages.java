package redispark.jobs.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The pieces every HTML report of a run is made of: PNG charts next to the page, escaping, the page itself. */
public final class ReportPages {
    private ReportPages() {}

    /** A line chart over steps with one series per name that has points ({@code [x, y]} pairs). */
    public static XYChart lines(
            String title, String xTitle, Map<String, List<double[]>> series, List<String> names, boolean markers) {
        XYChart chart = new XYChartBuilder()
                .width(640)
                .height(360)
                .title(title)
                .xAxisTitle(xTitle)
                .build();
        for (String name : names) {
            List<double[]> points = series.get(name);
            if (points == null || points.isEmpty()) {
                continue;
            }
            var s = chart.addSeries(
                    name,
                    points.stream().mapToDouble(p -> p[0]).toArray(),
                    points.stream().mapToDouble(p -> p[1]).toArray());
            if (!markers) {
                s.setMarker(SeriesMarkers.NONE);
            }
        }
        return chart;
    }

    /** A line chart of every series, in the map's order. */
    public static XYChart lines(String title, String xTitle, Map<String, List<double[]>> series, boolean markers) {
        return lines(title, xTitle, series, List.copyOf(series.keySet()), markers);
    }

    /** Saves {@code chart} as {@code dir/<name>.png} and appends an {@code <img>} of it to {@code body}. */
    public static void image(Chart<?, ?> chart, Path dir, String name, StringBuilder body) throws IOException {
        BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        body.append("<p><img src=\"")
                .append(name)
                .append(".png\" alt=\"")
                .append(escape(name))
                .append("\"></p>\n");
    }

    /**
     * A self-contained page: no CDN; marks on {@code <body>} how many images decoded and each decoded image with
     * {@code data-loaded}, for headless checks.
     */
    public static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n<style>"
                + "body{font-family:sans-serif;max-width:900px;margin:2em auto}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                + ".answers td,.settings td{text-align:left}pre{white-space:pre-wrap;margin:0}</style></head>\n<body>\n"
                + body
                + "<script>window.addEventListener('load',function(){var i=document.images,n=0;"
                + "for(var k=0;k<i.length;k++){if(i[k].complete&&i[k].naturalWidth>0){n++;"
                + "i[k].setAttribute('data-loaded','1');}}"
                + "document.body.setAttribute('data-images-loaded',n);"
                + "document.body.setAttribute('data-images-total',i.length);});</script>\n"
                + "</body></html>\n";
    }

    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
