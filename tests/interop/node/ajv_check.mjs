// Compile a kzcn schema with ajv 8 (draft 2020-12) + ajv-formats, then print one verdict a line
// (1 valid, 0 invalid) for each line of a JSONL file on stdin; `--strict` compiles with strict: true.
// Our annotations (`x-kzcn-*`) are declared as a vocabulary of annotation keywords, which is all
// ajv's strict mode asks of keywords it does not know; nothing custom validates.
// Usage: node ajv_check.mjs SCHEMA.json [--strict] [--errors] < messages.jsonl
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [schemaPath, ...flags] = process.argv.slice(2);
const strict = flags.includes("--strict");
const ajv = new Ajv2020({ strict, allErrors: flags.includes("--errors") });
addFormats(ajv);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));

function annotationKeywords(node, found = new Set()) {
  if (Array.isArray(node)) node.forEach((item) => annotationKeywords(item, found));
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith("x-")) found.add(key);
      else annotationKeywords(value, found);
    }
  }
  return found;
}

ajv.addVocabulary([...annotationKeywords(schema)].sort());
const validate = ajv.compile(schema);
const lines = readFileSync(0, "utf8").split("\n").filter((line) => line.trim() !== "");
const out = lines.map((line) => {
  const ok = validate(JSON.parse(line));
  if (flags.includes("--errors")) {
    return JSON.stringify((validate.errors ?? []).map((e) => [e.instancePath, e.keyword, e.message]));
  }
  return ok ? "1" : "0";
});
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
