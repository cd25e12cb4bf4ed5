// Refuse to install with an unsupported Node.js major version.
const major = Number(process.versions.node.split(".")[0]);
if (major < 18) {
  console.error(`cli-dashboard needs Node.js >= 18, found ${process.versions.node}`);
  process.exit(1);
}
