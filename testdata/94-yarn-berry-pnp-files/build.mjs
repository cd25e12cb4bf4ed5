import { writeFileSync, mkdirSync } from "node:fs";
mkdirSync("dist", { recursive: true });
writeFileSync("dist/index.js", "require(\"zod\");\n");
