// Renders Mermaid sources to SVG with one headless Chromium for all of them.
//   node render.mjs OUTPUT_DIR FILE.mmd...
// Writes OUTPUT_DIR/<name>.svg for each input, prints one line per diagram, and exits 1 when any
// diagram fails to render (a syntax error, an empty result). Used by scripts/render-diagrams.sh
// (into diagrams/) and by scripts/check-deploy.sh (into a temporary directory).
import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer";
import { run } from "@mermaid-js/mermaid-cli";

const here = path.dirname(fileURLToPath(import.meta.url));
const [outDir, ...inputs] = process.argv.slice(2);
if (!outDir || inputs.length === 0) {
  console.error("usage: node render.mjs OUTPUT_DIR FILE.mmd...");
  process.exit(2);
}

const puppeteerConfig = JSON.parse(
  await fs.readFile(path.join(here, "puppeteer-config.json"), "utf8"),
);
if (process.env.CHROMIUM_PATH) puppeteerConfig.executablePath = process.env.CHROMIUM_PATH;

// A hung browser must not hang `make test`.
const deadline = setTimeout(() => {
  console.error("diagram rendering took longer than 120 s; giving up");
  process.exit(1);
}, 120_000);
deadline.unref();

await fs.mkdir(outDir, { recursive: true });
const browser = await puppeteer.launch(puppeteerConfig);
let failed = 0;
try {
  for (const input of inputs) {
    const name = path.basename(input, path.extname(input));
    const output = path.join(outDir, `${name}.svg`);
    try {
      await run(input, output, {
        browser,
        quiet: true,
        outputFormat: "svg",
        parseMMDOptions: {
          backgroundColor: "white",
          mermaidConfig: { theme: "default" },
          viewport: { width: 1200, height: 800, deviceScaleFactor: 1 },
        },
      });
      const svg = await fs.readFile(output, "utf8");
      if (!svg.includes("<svg") || svg.length < 500) {
        throw new Error(`the output ${output} is not a drawing`);
      }
      console.error(`  ok  ${path.relative(process.cwd(), input)} -> ${path.basename(output)}`);
    } catch (error) {
      failed += 1;
      const message = String(error?.message ?? error).split("\n").slice(0, 6).join("\n      ");
      console.error(`  FAILED  ${path.relative(process.cwd(), input)}\n      ${message}`);
    }
  }
} finally {
  await browser.close();
}
process.exit(failed > 0 ? 1 : 0);
