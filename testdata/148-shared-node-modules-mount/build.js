const lp=require("left-pad");require("fs").mkdirSync("dist",{recursive:true});require("fs").writeFileSync("dist/out.js", "console.log("+JSON.stringify(lp("x",5))+")")
