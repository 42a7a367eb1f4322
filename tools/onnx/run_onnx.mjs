// Runs an ONNX model in ONNX Runtime (CPU, the onnxruntime-node package) on inputs read from JSON
// files and writes every output of the model to JSON files. Used by the TFT's ONNX parity test
// (tests/ml/tft/onnx_export_test.cpp); works with Node 18 (Debian 12) and later.
//
// Usage: node run_onnx.mjs MODEL.onnx INPUTS.json OUTPUTS.json [INPUTS.json OUTPUTS.json ...]
// One session runs every INPUTS/OUTPUTS pair in turn. Both files hold one object per tensor:
//   {"<name>": {"type": "float32" | "int64", "dims": [2, 3], "data": [1, 2, 3, 4, 5, 6]}}
// with data flat in row-major order. Exit status: 0 ok, 2 bad usage or missing runtime, 1 error.
import { readFile, writeFile } from 'node:fs/promises';
import process from 'node:process';

function fail(status, message) {
  process.stderr.write(`run_onnx: ${message}\n`);
  process.exit(status);
}

const args = process.argv.slice(2);
if (args.length < 3 || args.length % 2 !== 1) {
  fail(2, 'usage: node run_onnx.mjs MODEL.onnx INPUTS.json OUTPUTS.json [INPUTS.json OUTPUTS.json ...]');
}

let ort;
try {
  const module = await import('onnxruntime-node');
  ort = module.default ?? module;
} catch (e) {
  fail(2, `cannot load onnxruntime-node (${e.message}); install it with scripts/install_deps.sh ` +
    '(or: cd tools/onnx && npm ci --ignore-scripts)');
}

const ARRAYS = {
  float32: (data) => Float32Array.from(data),
  int64: (data) => BigInt64Array.from(data, (v) => BigInt(v)),
};

function toTensor(name, spec, file) {
  const make = ARRAYS[spec?.type];
  if (!make) throw new Error(`${file}: input '${name}': type must be one of ${Object.keys(ARRAYS)}`);
  const size = spec.dims.reduce((a, b) => a * b, 1);
  if (!Array.isArray(spec.data) || spec.data.length !== size) {
    throw new Error(`${file}: input '${name}': ${spec.data?.length} values for dims [${spec.dims}]`);
  }
  return new ort.Tensor(spec.type, make(spec.data), spec.dims);
}

function fromTensor(tensor) {
  // Float32 values become doubles exactly; JSON prints them so that they parse back exactly.
  const data = tensor.type === 'int64' ? Array.from(tensor.data, Number) : Array.from(tensor.data);
  return { type: tensor.type, dims: Array.from(tensor.dims), data };
}

try {
  const [modelPath, ...pairs] = args;
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
  });
  for (let i = 0; i < pairs.length; i += 2) {
    const [inputPath, outputPath] = [pairs[i], pairs[i + 1]];
    const specs = JSON.parse(await readFile(inputPath, 'utf8'));
    const feeds = {};
    for (const [name, spec] of Object.entries(specs)) feeds[name] = toTensor(name, spec, inputPath);
    const results = await session.run(feeds);
    const outputs = {};
    for (const name of session.outputNames) outputs[name] = fromTensor(results[name]);
    await writeFile(outputPath, JSON.stringify(outputs));
  }
} catch (e) {
  fail(1, e.message);
}
