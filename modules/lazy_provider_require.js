// Preloaded into the jsii kernel's Node.js process (NODE_OPTIONS=--require ...) by
// modules/provider.py: the Node.js half of loading only the AWS provider modules in use.
//
// @cdktf/provider-aws's lib/index.js is ~2,100 lines of `exports.x = require("./x");`: the
// kernel's require of the package loads every resource's module (about 2 s and 450 MB).
// When that file looks exactly like this, its exports become getters that require a module
// on first use; the objects are the ones the eager file would export, so synth is the same.
// Any other shape: the file runs as it is and a warning says so. Nothing else is touched.
"use strict";
const Module = require("module");
const path = require("path");

const INDEX = /[\\/]node_modules[\\/]@cdktf[\\/]provider-aws[\\/]lib[\\/]index\.js$/;
const LINE = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[\w.-]+)"\);$/;
const compile = Module.prototype._compile;

Module.prototype._compile = function lazyProviderIndex(content, filename) {
  if (!INDEX.test(filename)) {
    return compile.call(this, content, filename);
  }
  const lazy = lazyExports(content);
  if (lazy === null) {
    process.stderr.write(`lazy-provider-require: ${filename} has an unexpected shape; ` +
                         "loading every provider module\n");
    return compile.call(this, content, filename);
  }
  const exports = this.exports;
  const load = (id) => this.require(id);
  Object.defineProperty(exports, "__esModule", { value: true });
  for (const [name, id] of lazy) {
    Object.defineProperty(exports, name, {
      configurable: true,
      enumerable: true,
      get() {
        const value = load(id);
        Object.defineProperty(exports, name, { value, enumerable: true, writable: true });
        return value;
      },
    });
  }
  return undefined;
};

// [[export name, module id]] when every statement is an exports.x = require("./x") line
// (after the "use strict", comment, __esModule and `exports.a = exports.b = ... = void 0`
// preamble TypeScript emits); null otherwise.
function lazyExports(content) {
  const body = content
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && line !== '"use strict";' && !line.startsWith("//"));
  const found = [];
  for (const line of body) {
    if (line === 'Object.defineProperty(exports, "__esModule", { value: true });') continue;
    if (/^exports\.[\w$]+ = (exports\.[\w$]+ = )*void 0;$/.test(line)) continue;
    const match = LINE.exec(line);
    if (!match) return null;
    found.push([match[1], match[2]]);
  }
  return found.length >= 100 ? found : null;
}

module.exports = { lazyExports, INDEX: INDEX.source, path: path.resolve(__filename) };
