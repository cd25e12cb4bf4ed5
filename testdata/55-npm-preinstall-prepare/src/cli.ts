#!/usr/bin/env node
import kleur from "kleur";

const services: Record<string, boolean> = { api: true, worker: true, billing: false };

for (const [name, up] of Object.entries(services)) {
  console.log(`${up ? kleur.green("UP  ") : kleur.red("DOWN")} ${name}`);
}
