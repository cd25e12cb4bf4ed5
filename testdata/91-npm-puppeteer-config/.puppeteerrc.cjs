const { join } = require("path");

/**
 * @type {import("puppeteer").Configuration}
 */
module.exports = {
  // Keep the browser next to the app, so that USER node can run it.
  cacheDirectory: join(__dirname, ".cache", "puppeteer"),
};
