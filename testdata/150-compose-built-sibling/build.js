require("fs").mkdirSync("dist",{recursive:true});require("fs").writeFileSync("dist/out.js", require("fs").readFileSync("index.js"))
