// Renders every chat template in common/src/test/resources/chat-templates/*.jinja on every conversation of
// conversations.json there, with and without the generation prompt, the way transformers.js's
// apply_chat_template does (its Jinja engine, @huggingface/jinja; variables: messages, tools, add_generation_prompt,
// bos_token, eos_token and the conversation's extra keyword arguments), and writes fixtures.json beside them.
// ChatTemplateFamiliesTest asserts that redispark.text.ChatTemplate renders each fixture byte for byte.
//
//   cd tools/chat-templates && npm ci && npm run fixtures
import { Template } from "@huggingface/jinja";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, "..", "..", "common", "src", "test", "resources", "chat-templates");
// The special tokens of the Qwen2.5 / Qwen3 tokenizers (bos_token is null there).
const tokens = { bos_token: "", eos_token: "<|im_end|>" };
const conversations = JSON.parse(readFileSync(join(dir, "conversations.json"), "utf8"));
const fixtures = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith(".jinja")).sort()) {
  const template = new Template(readFileSync(join(dir, file), "utf8"));
  for (const c of conversations) {
    for (const addGenerationPrompt of [false, true]) {
      const variables = { messages: c.messages, add_generation_prompt: addGenerationPrompt, ...tokens, ...(c.extra ?? {}) };
      if (c.tools) variables.tools = c.tools;
      fixtures.push({ template: file, conversation: c.name, add_generation_prompt: addGenerationPrompt, rendered: template.render(variables) });
    }
  }
}
writeFileSync(join(dir, "fixtures.json"), JSON.stringify(fixtures, null, 1) + "\n");
console.log(`wrote ${fixtures.length} fixtures`);
