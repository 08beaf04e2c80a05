#!/usr/bin/env node
// Cross-check `ckpt inspect --json --full` against an independent GGUF reader,
// @huggingface/gguf (pinned in package.json / package-lock.json; `npm ci` here first).
//
// usage: node tests/peer/peer_check.mjs [--strict] [--allow-ckpt-reject] CKPT_BINARY FILE_OR_DIR...
//
// Every .gguf file given (directories are searched recursively for *.gguf) is read by both
// tools and they must agree on: header (version, tensor_count, kv_count, byte order, alignment,
// data offset), every metadata key in order, its GGUF type and its value, and every tensor's
// name, dtype, ne (ggml order) and absolute offset.
//
// Outcomes per file, one line each:
//   ok    the tools agree
//   FAIL  a disagreement (details follow, indented), or ckpt crashed / broke its error contract
//   skip  the peer cannot read the file (it throws) -- a failure with --strict;
//         GGUF v1 (the peer reads it, ckpt refuses it by contract);
//         ckpt rejects a file the peer reads, only with --allow-ckpt-reject (e.g. for malformed corpora:
//         the peer checks far fewer rules than ckpt);
//         parts 2+ of a split (ckpt opens a split from its first part, which checks all parts).
// Exit status: 0 no disagreement, 1 any disagreement, 2 usage error (bad arguments, no files, binary
// missing, peer library not installed).

import { spawnSync } from "node:child_process";
import { readdirSync, statSync, lstatSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";

const USAGE = "usage: node peer_check.mjs [--strict] [--allow-ckpt-reject] CKPT_BINARY FILE_OR_DIR...";

// ---------------------------------------------------------------------------------------------
// tables

// GGUF metadata value types, as numbered in the file format and by @huggingface/gguf's GGUFValueType
const VT = ["UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32", "BOOL", "STRING", "ARRAY",
	"UINT64", "INT64", "FLOAT64"];
const T_ARRAY = 9;

// ggml type id -> ckpt dtype name
const DTYPE = {
	0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
	10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K",
	16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS",
	24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16",
	34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4", 40: "NVFP4", 41: "Q1_0", 42: "Q2_0",
};

// keys that @huggingface/gguf puts into its metadata objects from the header, not from the kvs
const INJECTED = new Set(["version", "tensor_count", "kv_count"]);

const SPLIT_RE = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/;

// ---------------------------------------------------------------------------------------------
// JSON parser keeping what JSON.parse loses: integers beyond 2^53 (returned as BigInt), the
// source order of object keys (KEYS symbol; JS objects move integer-like keys first) and duplicate
// keys (an error). Objects have a null prototype so that a key "__proto__" is an ordinary key.

const KEYS = Symbol("keys");

function parseJSON(text) {
	let i = 0;
	const n = text.length;
	const fail = (msg) => {
		throw new Error(`invalid JSON at char ${i}: ${msg}`);
	};
	const ws = () => {
		for (;;) {
			const c = text.charCodeAt(i);
			if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
			else return;
		}
	};
	const NUM = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
	const str = () => {
		// at the opening quote
		const start = i + 1;
		let j = start;
		let escaped = false;
		for (;;) {
			if (j >= n) fail("unterminated string");
			const c = text.charCodeAt(j);
			if (c === 0x22) break;
			if (c === 0x5c) {
				escaped = true;
				j += 2;
				continue;
			}
			if (c < 0x20) {
				i = j;
				fail("control character in string");
			}
			j++;
		}
		i = j + 1;
		if (!escaped) return text.slice(start, j);
		try {
			return JSON.parse(text.slice(start - 1, j + 1));
		} catch (e) {
			i = start;
			return fail(`bad string escape (${e.message})`);
		}
	};
	const value = () => {
		ws();
		const c = text[i];
		if (c === "{") {
			i++;
			const obj = Object.create(null);
			const keys = [];
			ws();
			if (text[i] === "}") {
				i++;
			} else {
				for (;;) {
					ws();
					if (text[i] !== '"') fail("expected a key");
					const k = str();
					if (Object.prototype.hasOwnProperty.call(obj, k)) fail(`duplicate key ${JSON.stringify(k)}`);
					ws();
					if (text[i] !== ":") fail("expected ':'");
					i++;
					obj[k] = value();
					keys.push(k);
					ws();
					if (text[i] === ",") {
						i++;
						continue;
					}
					if (text[i] === "}") {
						i++;
						break;
					}
					fail("expected ',' or '}'");
				}
			}
			Object.defineProperty(obj, KEYS, { value: keys, enumerable: false });
			return obj;
		}
		if (c === "[") {
			i++;
			const arr = [];
			ws();
			if (text[i] === "]") {
				i++;
				return arr;
			}
			for (;;) {
				arr.push(value());
				ws();
				if (text[i] === ",") {
					i++;
					continue;
				}
				if (text[i] === "]") {
					i++;
					return arr;
				}
				fail("expected ',' or ']'");
			}
		}
		if (c === '"') return str();
		if (text.startsWith("true", i)) {
			i += 4;
			return true;
		}
		if (text.startsWith("false", i)) {
			i += 5;
			return false;
		}
		if (text.startsWith("null", i)) {
			i += 4;
			return null;
		}
		NUM.lastIndex = i;
		const m = NUM.exec(text);
		if (!m) fail("unexpected character");
		i = NUM.lastIndex;
		if (m[1] === undefined && m[2] === undefined) {
			const v = Number(m[0]);
			return Number.isSafeInteger(v) ? v : BigInt(m[0]);
		}
		return Number(m[0]);
	};
	const v = value();
	ws();
	if (i !== n) fail("trailing characters after the document");
	return v;
}

// ---------------------------------------------------------------------------------------------
// helpers

function show(v) {
	let s;
	try {
		s = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
	} catch {
		s = String(v);
	}
	if (s === undefined) s = String(v);
	return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

const isInt = (v) => typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
const big = (v) => (typeof v === "bigint" ? v : BigInt(v));
const bigEq = (ckptV, peerV) => isInt(ckptV) && isInt(peerV) && big(ckptV) === big(peerV);

function typeName(entry) {
	if (entry.type !== T_ARRAY) return VT[entry.type] ?? `type ${entry.type}`;
	const sub = entry.subType;
	return `ARRAY[${sub === T_ARRAY ? "ARRAY" : (VT[sub] ?? `type ${sub}`)}]`;
}

// Compare one ckpt value (from its JSON) with the peer's value of GGUF type `t`
// (undefined: element type not known, inside nested arrays). Returns null or a message.
function cmpValue(c, p, t, where, notes) {
	if (Array.isArray(p)) {
		if (t !== undefined && t !== T_ARRAY) return `${where}: peer has an array for a scalar type`;
		if (!Array.isArray(c)) return `${where}: ckpt ${show(c)} vs peer array[${p.length}] (arrays must be complete with --full)`;
		if (c.length !== p.length) return `${where}: array length: ckpt ${c.length} vs peer ${p.length}`;
		return null; // elements are compared by the caller
	}
	switch (t) {
		case 0: case 1: case 2: case 3: case 4: case 5:
			return typeof c === "number" && c === p ? null : `${where}: ckpt ${show(c)} vs peer ${show(p)}`;
		case 10: case 11:
			return bigEq(c, p) ? null : `${where}: ckpt ${show(c)} vs peer ${show(p)}`;
		case 6: case 12: {
			if (!Number.isFinite(p)) return c === null ? null : `${where}: ckpt ${show(c)} vs peer ${p} (NaN/Inf must be null)`;
			if (typeof c === "bigint") c = Number(c);
			if (typeof c !== "number") return `${where}: ckpt ${show(c)} vs peer ${p}`;
			const ok = t === 6 ? Math.fround(c) === p : c === p;
			return ok ? null : `${where}: ckpt ${show(c)} vs peer ${p}`;
		}
		case 7:
			return c === p ? null : `${where}: ckpt ${show(c)} vs peer ${show(p)}`;
		case 8:
			if (c === p) return null;
			// the peer decodes with TextDecoder, which drops a leading byte order mark
			if (typeof c === "string" && c === `\uFEFF${p}`) {
				notes.add(`${where}: the peer drops a leading U+FEFF (BOM) from strings (TextDecoder); not counted`);
				return null;
			}
			return `${where}: ckpt ${show(c)} vs peer ${show(p)}`;
		case undefined: {
			if (typeof p === "bigint") return bigEq(c, p) ? null : `${where}: ckpt ${show(c)} vs peer ${show(p)}`;
			if (typeof p === "number") {
				if (!Number.isFinite(p)) return c === null ? null : `${where}: ckpt ${show(c)} vs peer ${p}`;
				if (typeof c === "bigint") c = Number(c);
				return typeof c === "number" && (c === p || Math.fround(c) === p) ? null : `${where}: ckpt ${show(c)} vs peer ${p}`;
			}
			if (typeof p === "string" && typeof c === "string" && c === `\uFEFF${p}`) {
				notes.add(`${where}: the peer drops a leading U+FEFF (BOM) from strings (TextDecoder); not counted`);
				return null;
			}
			return c === p ? null : `${where}: ckpt ${show(c)} vs peer ${show(p)}`;
		}
		default:
			return `${where}: peer reports unknown type ${t}`;
	}
}

// Walk two values of type t (with array element type sub) and push every difference into out.
function cmpDeep(c, p, t, sub, where, out, notes) {
	if (out.length > 200) return;
	const msg = cmpValue(c, p, t, where, notes);
	if (msg) {
		out.push(msg);
		return;
	}
	if (Array.isArray(p)) {
		for (let k = 0; k < p.length && out.length <= 200; k++) {
			// sub is the element type for the top-level array; deeper levels are untyped
			cmpDeep(c[k], p[k], sub, undefined, `${where}[${k}]`, out, notes);
		}
	}
}

function walk(dir, out) {
	let entries;
	try {
		entries = readdirSync(dir, { withFileTypes: true });
	} catch (e) {
		throw new Error(`cannot read directory ${dir}: ${e.message}`);
	}
	entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	for (const e of entries) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) walk(p, out); // symlinked directories are not followed
		else if (e.name.toLowerCase().endsWith(".gguf")) {
			try {
				if (statSync(p).isFile()) out.push(p);
			} catch {
				// dangling symlink: ignore
			}
		}
	}
}

// ---------------------------------------------------------------------------------------------
// one file

function runCkpt(bin, file) {
	const r = spawnSync(bin, ["inspect", "--json", "--full", file], {
		encoding: "utf8",
		maxBuffer: 1 << 30,
		stdio: ["ignore", "pipe", "pipe"],
	});
	if (r.error) {
		if (r.error.code === "ENOENT" || r.error.code === "EACCES") {
			console.error(`peer_check: cannot run ${bin}: ${r.error.message}`);
			process.exit(2);
		}
		return { crash: `ckpt could not be run: ${r.error.message}` };
	}
	if (r.signal) return { crash: `ckpt killed by signal ${r.signal}` };
	if (r.status === 0) return { status: 0, stdout: r.stdout, stderr: r.stderr };
	const lines = r.stderr.split("\n").filter((l, k, a) => !(k === a.length - 1 && l === ""));
	if (r.status !== 2) return { crash: `ckpt exited with status ${r.status}: ${show(r.stderr.trim())}` };
	const broken = [];
	if (r.stdout.length) broken.push("stdout not empty");
	if (lines.length !== 1) broken.push(`${lines.length} stderr lines, not 1`);
	const code = /\[([a-z_]+\.[a-z_]+)\]/.exec(lines[0] ?? "");
	if (!code) broken.push("no [rule code] on the stderr line");
	if (broken.length) return { crash: `ckpt exit 2 breaks the error contract (${broken.join("; ")}): ${show(r.stderr.trim())}` };
	return { status: 2, line: lines[0], code: code[1] };
}

async function peerRead(gguf, file) {
	const t0 = performance.now();
	const r = await gguf(file, { allowLocalFile: true, typedMetadata: true });
	return { r, ms: performance.now() - t0 };
}

function compare(doc, parts, notes) {
	const out = [];
	const first = parts[0].r;
	const tm = first.typedMetadata;
	const chk = (ok, msg) => {
		if (!ok) out.push(msg);
	};

	if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return ["ckpt's JSON is not an object"];
	chk(doc.format === "gguf", `format: ckpt ${show(doc.format)} vs "gguf"`);
	const g = doc.gguf;
	if (!g || typeof g !== "object") return [...out, "ckpt's JSON has no \"gguf\" object"];
	const md = doc.metadata && typeof doc.metadata === "object" && !Array.isArray(doc.metadata) ? doc.metadata : null;
	const mt = doc.metadata_types && typeof doc.metadata_types === "object" ? doc.metadata_types : null;
	if (!md || !mt) return [...out, "ckpt's JSON lacks the metadata / metadata_types objects"];
	const ckptKeys = md[KEYS];

	// keys named like the peer's injected header fields overwrite those fields in the peer's objects
	const collide = ckptKeys.filter((k) => INJECTED.has(k));
	if (collide.length) notes.add(`file has kv(s) named ${collide.join(", ")}: the peer overwrote its header field(s) with them`);

	// header
	if (!collide.includes("version")) chk(g.version === first.metadata.version, `gguf.version: ckpt ${show(g.version)} vs peer ${first.metadata.version}`);
	if (!collide.includes("tensor_count")) chk(bigEq(g.tensor_count, first.metadata.tensor_count), `gguf.tensor_count: ckpt ${show(g.tensor_count)} vs peer ${first.metadata.tensor_count}`);
	if (!collide.includes("kv_count")) chk(bigEq(g.kv_count, first.metadata.kv_count), `gguf.kv_count: ckpt ${show(g.kv_count)} vs peer ${first.metadata.kv_count}`);
	chk(g.byte_order === (first.littleEndian ? "little" : "big"), `gguf.byte_order: ckpt ${show(g.byte_order)} vs peer ${first.littleEndian ? "little" : "big"}`);
	const peerAlign = first.metadata["general.alignment"] ?? 32;
	chk(bigEq(g.alignment, peerAlign), `gguf.alignment: ckpt ${show(g.alignment)} vs peer ${show(peerAlign)}`);
	if (first.tensorInfos.length > 0) {
		chk(bigEq(g.data_offset, first.tensorDataOffset), `gguf.data_offset: ckpt ${show(g.data_offset)} vs peer ${first.tensorDataOffset}`);
	}

	// a kv named "__proto__" sets the prototype of the peer's plain objects instead of a property
	const hasProto = ckptKeys.includes("__proto__") && !Object.prototype.hasOwnProperty.call(tm, "__proto__");
	if (hasProto) notes.add("file has a kv named __proto__, which the peer cannot hold (it sets its object's prototype); not compared");

	// metadata: keys in order. The peer's typedMetadata is a JS object: integer-like keys come first
	// there, so ckpt's order is put through the same JS ordering before comparing.
	const peerKeys = Object.keys(tm).filter((k) => !INJECTED.has(k) || collide.includes(k));
	const js = Object.create(null);
	for (const k of ckptKeys) if (!(hasProto && k === "__proto__")) js[k] = true;
	const ckptJsOrder = Object.keys(js);
	if (ckptJsOrder.join("\0") !== ckptKeys.join("\0")) notes.add("integer-like keys: key order compared in JS property order");
	// the injected names sit at the front of the peer's object whatever their place in the file
	const a = ckptJsOrder.filter((k) => !INJECTED.has(k));
	const b = peerKeys.filter((k) => !INJECTED.has(k));
	if (a.length !== b.length) out.push(`metadata: ckpt has ${a.length + collide.length} keys vs peer ${peerKeys.length}`);
	for (let k = 0; k < Math.max(a.length, b.length); k++) {
		if (a[k] !== b[k]) {
			out.push(`metadata key #${k}: ckpt ${show(a[k])} vs peer ${show(b[k])} (first difference in key order)`);
			break;
		}
	}
	chk(bigEq(ckptKeys.length, first.metadata.kv_count), `metadata: ckpt lists ${ckptKeys.length} keys but kv_count is ${first.metadata.kv_count}`);
	const mtKeys = mt[KEYS] ?? Object.keys(mt);
	chk(mtKeys.join("\0") === ckptKeys.join("\0"), "metadata_types keys are not the metadata keys in the same order");

	// metadata: types and values
	for (const k of ckptKeys) {
		if (hasProto && k === "__proto__") continue;
		const e = Object.prototype.hasOwnProperty.call(tm, k) ? tm[k] : undefined;
		if (!e) continue; // already reported as a key difference
		const tn = typeName(e);
		if (mt[k] !== tn) {
			out.push(`metadata '${k}': type: ckpt ${show(mt[k])} vs peer ${tn}`);
			continue;
		}
		cmpDeep(md[k], e.value, e.type, e.subType, `metadata '${k}'`, out, notes);
	}

	// tensors, over all parts in part order
	const ts = Array.isArray(doc.tensors) ? doc.tensors : null;
	if (!ts) return [...out, "ckpt's JSON has no tensors array"];
	const peerTs = [];
	for (const part of parts) for (const t of part.r.tensorInfos) peerTs.push({ t, part });
	chk(ts.length === peerTs.length, `tensors: ckpt lists ${ts.length} vs peer ${peerTs.length}`);
	chk(bigEq(doc.tensor_count, peerTs.length), `tensor_count: ckpt ${show(doc.tensor_count)} vs peer ${peerTs.length}`);
	for (let k = 0; k < Math.min(ts.length, peerTs.length) && out.length <= 200; k++) {
		const c = ts[k];
		const { t: p, part } = peerTs[k];
		const w = `tensor #${k} '${p.name}'`;
		if (!c || typeof c !== "object") {
			out.push(`${w}: ckpt entry is not an object`);
			continue;
		}
		if (c.name !== p.name) {
			out.push(`tensor #${k}: name: ckpt ${show(c.name)} vs peer ${show(p.name)}`);
			continue;
		}
		const dn = DTYPE[p.dtype] ?? `unknown ggml type id ${p.dtype}`;
		chk(c.dtype === dn, `${w}: dtype: ckpt ${show(c.dtype)} vs peer ${dn} (id ${p.dtype})`);
		const ne = Array.isArray(c.ne) ? c.ne : null;
		if (!ne || ne.length !== p.shape.length || ne.some((x, d) => !bigEq(x, p.shape[d]))) {
			out.push(`${w}: ne: ckpt ${show(c.ne)} vs peer ${show(p.shape)}`);
		} else if (!Array.isArray(c.shape) || c.shape.length !== ne.length || c.shape.some((x, d) => !bigEq(x, ne[ne.length - 1 - d]))) {
			out.push(`${w}: ckpt's shape ${show(c.shape)} is not its ne ${show(ne)} reversed`);
		}
		const abs = part.r.tensorDataOffset + p.offset;
		chk(bigEq(c.offset, abs), `${w}: offset: ckpt ${show(c.offset)} vs peer ${abs} (= data offset ${part.r.tensorDataOffset} + ${p.offset})`);
		if (parts.length > 1) {
			chk(typeof c.file === "string" && path.basename(c.file) === path.basename(part.file),
				`${w}: file: ckpt ${show(c.file)} vs peer ${path.basename(part.file)}`);
		}
	}
	return out;
}

// ---------------------------------------------------------------------------------------------
// main

async function main() {
	const args = process.argv.slice(2);
	let strict = false;
	let allowReject = false;
	const pos = [];
	for (const a of args) {
		if (a === "--strict") strict = true;
		else if (a === "--allow-ckpt-reject") allowReject = true;
		else if (a === "-h" || a === "--help") {
			console.log(USAGE);
			return 0;
		} else if (a.startsWith("--")) {
			console.error(`peer_check: unknown option ${a}\n${USAGE}`);
			return 2;
		} else pos.push(a);
	}
	if (pos.length < 2) {
		console.error(USAGE);
		return 2;
	}
	const bin = pos[0];

	let gguf;
	try {
		({ gguf } = await import("@huggingface/gguf"));
	} catch (e) {
		console.error(`peer_check: cannot load @huggingface/gguf (${e.message}); run \`npm ci\` in tests/peer first`);
		return 2;
	}

	const files = [];
	for (const p of pos.slice(1)) {
		let st;
		try {
			st = lstatSync(p);
			if (st.isSymbolicLink()) st = statSync(p);
		} catch (e) {
			console.error(`peer_check: ${p}: ${e.code === "ENOENT" ? "no such file or directory" : e.message}`);
			return 2;
		}
		if (st.isDirectory()) walk(p, files);
		else files.push(p);
	}
	const seen = new Set();
	const list = files.filter((f) => {
		const k = path.resolve(f);
		if (seen.has(k)) return false;
		seen.add(k);
		return true;
	});
	if (!list.length) {
		console.error("peer_check: no .gguf files found");
		return 2;
	}

	let passed = 0;
	let failed = 0;
	let skipped = 0;
	for (const file of list) {
		const base = path.basename(file);
		const sm = SPLIT_RE.exec(base);
		const partNo = sm ? Number(sm[2]) : 1;
		const partTotal = sm ? Number(sm[3]) : 1;
		if (sm && partTotal > 1 && partNo !== 1) {
			console.log(`skip  ${file}: split part ${partNo} of ${partTotal} (ckpt opens a split from part 1, which checks all parts)`);
			skipped++;
			continue;
		}

		// the peer: every part of a split, in part order
		const partFiles = [file];
		if (sm && partTotal > 1) {
			for (let k = 2; k <= partTotal; k++) {
				partFiles.push(path.join(path.dirname(file), `${sm[1]}-${String(k).padStart(5, "0")}-of-${sm[3]}.gguf`));
			}
		}
		const parts = [];
		let peerErr = null;
		let peerMs = 0;
		for (const pf of partFiles) {
			try {
				const { r, ms } = await peerRead(gguf, pf);
				parts.push({ file: pf, r });
				peerMs += ms;
			} catch (e) {
				peerErr = `${pf === file ? "" : `${path.basename(pf)}: `}${e && e.message ? e.message : String(e)}`;
				break;
			}
		}

		const ck = runCkpt(bin, file);
		const ckSummary = ck.crash ? ck.crash : ck.status === 0 ? "ckpt reads it" : `ckpt rejects it: ${ck.line}`;

		if (ck.crash) {
			console.log(`FAIL  ${file}\n        ${ck.crash}${peerErr ? `\n        (peer cannot read it either: ${peerErr})` : ""}`);
			failed++;
			continue;
		}
		if (peerErr) {
			if (strict) {
				console.log(`FAIL  ${file}: peer cannot read: ${peerErr} (--strict); ${ckSummary}`);
				failed++;
			} else {
				console.log(`skip  ${file}: peer cannot read: ${peerErr}; ${ckSummary}`);
				skipped++;
			}
			continue;
		}
		if (ck.status === 2) {
			if (parts[0].r.metadata.version === 1 && ck.code === "gguf.version") {
				console.log(`skip  ${file}: GGUF v1, which ckpt refuses by contract: ${ck.line}`);
				skipped++;
			} else if (allowReject) {
				console.log(`skip  ${file}: ckpt rejects a file the peer reads (--allow-ckpt-reject): ${ck.line}`);
				skipped++;
			} else {
				console.log(`FAIL  ${file}\n        ckpt rejects a file the peer reads: ${ck.line}`);
				failed++;
			}
			continue;
		}

		let doc;
		try {
			doc = parseJSON(ck.stdout);
		} catch (e) {
			console.log(`FAIL  ${file}\n        ckpt's stdout: ${e.message}`);
			failed++;
			continue;
		}
		const notes = new Set();
		const diffs = compare(doc, parts, notes);
		const r0 = parts[0].r;
		const ver = typeof r0.metadata.version === "number" ? r0.metadata.version : "?";
		const what = `v${ver}, ${r0.metadata.kv_count} kv, ${parts.reduce((s, p) => s + p.r.tensorInfos.length, 0)} tensors` +
			`${parts.length > 1 ? ` in ${parts.length} parts` : ""}${r0.littleEndian ? "" : ", big-endian"}; peer ${peerMs.toFixed(1)} ms`;
		if (diffs.length) {
			console.log(`FAIL  ${file} (${what})`);
			for (const d of diffs.slice(0, 20)) console.log(`        ${d}`);
			if (diffs.length > 200) console.log("        ... and more (stopped collecting at 200 differences)");
			else if (diffs.length > 20) console.log(`        ... and ${diffs.length - 20} more`);
			failed++;
		} else {
			console.log(`ok    ${file} (${what})`);
			passed++;
		}
		const nl = [...notes];
		for (const nt of nl.slice(0, 5)) console.log(`        note: ${nt}`);
		if (nl.length > 5) console.log(`        note: ... and ${nl.length - 5} more notes`);
	}
	console.log(`peer_check: ${passed} passed, ${failed} failed, ${skipped} skipped`);
	return failed ? 1 : 0;
}

main().then(
	(code) => {
		process.exitCode = code;
	},
	(e) => {
		console.error(`peer_check: internal error: ${e && e.stack ? e.stack : e}`);
		process.exitCode = 2;
	},
);
