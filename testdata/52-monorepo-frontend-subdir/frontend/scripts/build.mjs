import { mkdir, readFile, writeFile } from "node:fs/promises";
import dayjs from "dayjs";
import pc from "picocolors";

const html = await readFile(new URL("../src/index.html", import.meta.url), "utf8");
await mkdir(new URL("../dist/", import.meta.url), { recursive: true });
await writeFile(
  new URL("../dist/index.html", import.meta.url),
  html.replace("%BUILD_DATE%", dayjs().format("YYYY-MM-DD")),
);
console.log(pc.green("built dist/index.html"));
