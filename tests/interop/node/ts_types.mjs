// TypeScript types of every message kind, by json-schema-to-typescript, one module a kind.
// The root dispatches on `kind` with `if`/`then`, which the generator does not follow (it gives
// `{kind: ...}` only); each kind's definition is compiled as a root of its own instead, with the
// shared `$defs`. Usage: node ts_types.mjs SCHEMA.json OUT_DIR  (writes OUT_DIR/<Kind>.ts)
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { compile } from "json-schema-to-typescript";

const [schemaPath, outDir] = process.argv.slice(2);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
mkdirSync(outDir, { recursive: true });
for (const branch of schema.allOf) {
  const name = branch.then.$ref.split("/").pop();
  const root = { ...schema.$defs[name], $defs: schema.$defs };
  const ts = await compile(root, name, { bannerComment: "", additionalProperties: false });
  writeFileSync(join(outDir, `${name}.ts`), ts);
}
