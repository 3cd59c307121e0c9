/**
 * Text side of the student: {@link redispark.text.TextTokenizer} (HF tokenizer.json through DJL, no truncation, no
 * automatic special tokens) and {@link redispark.text.ChatTemplate} (the one Jinjava renderer of the chat template for
 * generation, training and evaluation).
 */
package redispark.text;
