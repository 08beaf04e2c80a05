#!/usr/bin/env node
// The peer side of bench/bench_inspect.sh: read a GGUF file with @huggingface/gguf (installed by
// `npm ci` in tests/peer) and print what `ckpt inspect --json` prints: header, metadata in file order
// (arrays over 32 entries as {type, count, head[8]}), metadata types, and every tensor's name, dtype,
// shape, ne, absolute offset and byte size, plus totals.
//
// usage: node bench/inspect_peer.mjs FILE.gguf [--time]   (--time: parse time in ms on stderr)

import { performance } from "node:perf_hooks";

const VT = ["UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32", "BOOL", "STRING", "ARRAY",
	"UINT64", "INT64", "FLOAT64"];
// ggml type id -> [name, elements per block, bytes per block]
const DT = {
	0: ["F32", 1, 4], 1: ["F16", 1, 2], 2: ["Q4_0", 32, 18], 3: ["Q4_1", 32, 20], 6: ["Q5_0", 32, 22],
	7: ["Q5_1", 32, 24], 8: ["Q8_0", 32, 34], 9: ["Q8_1", 32, 36], 10: ["Q2_K", 256, 84], 11: ["Q3_K", 256, 110],
	12: ["Q4_K", 256, 144], 13: ["Q5_K", 256, 176], 14: ["Q6_K", 256, 210], 15: ["Q8_K", 256, 292],
	16: ["IQ2_XXS", 256, 66], 17: ["IQ2_XS", 256, 74], 18: ["IQ3_XXS", 256, 98], 19: ["IQ1_S", 256, 50],
	20: ["IQ4_NL", 32, 18], 21: ["IQ3_S", 256, 110], 22: ["IQ2_S", 256, 82], 23: ["IQ4_XS", 256, 136],
	24: ["I8", 1, 1], 25: ["I16", 1, 2], 26: ["I32", 1, 4], 27: ["I64", 1, 8], 28: ["F64", 1, 8],
	29: ["IQ1_M", 256, 56], 30: ["BF16", 1, 2], 34: ["TQ1_0", 256, 54], 35: ["TQ2_0", 256, 66],
	39: ["MXFP4", 32, 17], 40: ["NVFP4", 64, 36], 41: ["Q1_0", 128, 18], 42: ["Q2_0", 64, 18],
};
const INJECTED = new Set(["version", "tensor_count", "kv_count"]);

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--"));
if (!file) {
	console.error("usage: node bench/inspect_peer.mjs FILE.gguf [--time]");
	process.exit(2);
}

let gguf;
try {
	({ gguf } = await import(new URL("../tests/peer/node_modules/@huggingface/gguf/dist/index.mjs", import.meta.url)));
} catch (e) {
	console.error(`inspect_peer: cannot load @huggingface/gguf (${e.message}); run \`npm ci\` in tests/peer`);
	process.exit(2);
}

const t0 = performance.now();
let r;
try {
	r = await gguf(file, { allowLocalFile: true, typedMetadata: true });
} catch (e) {
	console.error(`inspect_peer: ${file}: ${e.message}`);
	process.exit(2);
}
const t1 = performance.now();

const val = (v) => (typeof v === "number" && !Number.isFinite(v) ? null : v);
const enc = (v) => (Array.isArray(v) ? v.map(enc) : val(v));
const metadata = {};
const types = {};
for (const [k, e] of Object.entries(r.typedMetadata)) {
	if (INJECTED.has(k)) continue;
	types[k] = e.type === 9 ? `ARRAY[${VT[e.subType]}]` : VT[e.type];
	if (Array.isArray(e.value) && e.value.length > 32) {
		metadata[k] = { type: VT[e.subType], count: e.value.length, head: e.value.slice(0, 8).map(enc) };
	} else {
		metadata[k] = enc(e.value);
	}
}
let params = 0n;
let bytes = 0n;
const tensors = r.tensorInfos.map((t) => {
	const [name, be, bb] = DT[t.dtype] ?? [`type${t.dtype}`, 1, 0];
	let n = 1n;
	for (const d of t.shape) n *= d;
	const nb = t.shape.length ? (t.shape[0] / BigInt(be)) * BigInt(bb) * (n / (t.shape[0] || 1n)) : BigInt(bb);
	params += n;
	bytes += nb;
	return { name: t.name, dtype: name, shape: [...t.shape].reverse(), ne: t.shape, offset: r.tensorDataOffset + t.offset, nbytes: nb };
});
const doc = {
	schema: "peer.inspect/1",
	format: "gguf",
	path: file,
	gguf: {
		version: r.metadata.version,
		alignment: Number(r.metadata["general.alignment"] ?? 32),
		data_offset: r.tensorDataOffset,
		kv_count: r.metadata.kv_count,
		tensor_count: r.metadata.tensor_count,
		byte_order: r.littleEndian ? "little" : "big",
	},
	metadata,
	metadata_types: types,
	architecture: r.metadata["general.architecture"] ?? null,
	name: r.metadata["general.name"] ?? null,
	tensor_count: tensors.length,
	param_count: params,
	tensor_bytes: bytes,
	tensors,
};
process.stdout.write(`${JSON.stringify(doc, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}\n`);
if (args.includes("--time")) {
	console.error(`inspect_peer: parse ${(t1 - t0).toFixed(1)} ms, total ${(performance.now() - t0).toFixed(1)} ms`);
}
