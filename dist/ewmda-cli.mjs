// ewmda 0.1.0 command line (Node >=20.19). Built from ewmda's TypeScript sources; do not edit.
import fs, { writeFileSync, mkdirSync, openSync, fstatSync, closeSync, readSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { defineCommand, runMain } from 'citty';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import vm from 'node:vm';

/**
 * Values that are not plain data: a cell that could not be read says why, and every row says how sure
 * it is and where it came from (STYLE: "Results people can trust").
 */
/** A value the target could not give: never a silent 0 or "". */
class Unavailable {
    kind;
    reason;
    constructor(kind, reason) {
        this.kind = kind;
        this.reason = reason;
    }
    toString() {
        return "<" + this.kind + ">";
    }
}
function unreadable(reason) {
    return new Unavailable("unreadable", reason);
}
function notAvailable(reason) {
    return new Unavailable("not available", reason);
}
function errorMessage(e) {
    if (e && typeof e === "object" && typeof e.message === "string")
        return e.message;
    return String(e);
}

function budget(limitMs) {
    const start = Date.now();
    return { limitMs, exceeded: () => limitMs > 0 && Date.now() - start > limitMs };
}
/** Declares an analysis; its settings' types flow into `ctx.settings`. */
function defineAnalysis(a) {
    return a;
}
/** Runs an analysis and collects its rows; an unexpected error becomes an Info row and a partial result. */
function runAnalysis(analysis, target, config, args, options = {}) {
    const rows = [];
    let summary = analysis.meta.name;
    let partial = false;
    const settings = config[analysis.meta.name] ?? {};
    const b = budget(options.budgetMs ?? 0);
    const ctx = {
        target, config, settings: settings, analyses: options.analyses ?? [], budget: b,
        summary: (text) => { summary = text; },
    };
    try {
        for (const row of analysis.run(ctx, args)) {
            rows.push(row);
            if (b.exceeded()) {
                partial = true;
                rows.push({ Verdict: "Info", Evidence: analysis.meta.name + " stopped at its time budget (" + b.limitMs + " ms); the rows above are partial", Source: "heuristic" });
                break;
            }
        }
    }
    catch (e) {
        partial = true;
        rows.push({
            Verdict: "Info",
            Evidence: analysis.meta.name + " stopped early: " + errorMessage(e) + (rows.length ? "; the rows above are partial" : ""),
            Source: "heuristic",
        });
    }
    let pointerSize = 8;
    try {
        pointerSize = target.pointerSize();
    }
    catch (e) { /* keep the default for display */ }
    return { meta: analysis.meta, rows, summary: partial ? summary + " (partial)" : summary, partial, pointerSize };
}

/**
 * 64-bit values inside the script. The provider hands out `host.Int64` for 64-bit ordinals and
 * numbers for smaller ones, and which model properties are which is undocumented (reference §5.1),
 * so every value from the target goes through `toInt64` before arithmetic. Formatting uses the 32-bit
 * halves, never `Int64.toString(16)`, whose `0x` prefix is unconfirmed (§4.6).
 *
 * Hot loops work on `(hi, lo)` pairs of plain numbers instead of Int64 objects.
 */
/** True for a `host.Int64` (reference §4.6: detect by the presence of `asNumber`). */
function isInt64(v) {
    return typeof v === "object" && v !== null && typeof v.asNumber === "function" &&
        typeof v.getLowPart === "function";
}
/** Any ordinal from the target (number or Int64) as an Int64. Throws TypeError for anything else. */
function toInt64(v) {
    if (isInt64(v))
        return v;
    if (typeof v === "number" && v === Math.floor(v)) {
        if (v >= 0 && v <= 0xffffffff)
            return host.Int64(v, 0);
        return host.Int64(v);
    }
    throw new TypeError("expected a number or a 64-bit value, got " + describe$1(v));
}
/** An ordinal as a JS number; throws when it does not fit exactly (use for counts, ids, sizes). */
function toNumber(v) {
    if (typeof v === "number")
        return v;
    if (isInt64(v))
        return v.asNumber();
    throw new TypeError("expected a number, got " + describe$1(v));
}
/** High and low 32-bit halves as unsigned numbers. */
function halvesOf(v) {
    const x = toInt64(v);
    return [x.getHighPart() >>> 0, x.getLowPart() >>> 0];
}
function fromHalves(hi, lo) {
    return host.Int64(lo >>> 0, hi >>> 0);
}
/** Unsigned comparison of two (hi, lo) pairs. */
function comparePair(ahi, alo, bhi, blo) {
    if (ahi !== bhi)
        return ahi < bhi ? -1 : 1;
    if (alo !== blo)
        return alo < blo ? -1 : 1;
    return 0;
}
/** Unsigned comparison of two 64-bit values given as numbers or Int64. */
function compareU64(a, b) {
    const [ahi, alo] = halvesOf(a);
    const [bhi, blo] = halvesOf(b);
    return comparePair(ahi, alo, bhi, blo);
}
/** a - b as a JS number (for distances known to be small); undefined when it does not fit 2^53. */
function differenceOf(a, b) {
    const [ahi, alo] = halvesOf(a);
    const [bhi, blo] = halvesOf(b);
    const d = (ahi - bhi) * 4294967296 + (alo - blo);
    return Math.abs(d) <= 9007199254740990 ? d : undefined;
}
/** a + n for a small non-negative or negative integer n. */
function addTo(a, n) {
    const [hi, lo] = halvesOf(a);
    let l = lo + n;
    let h = hi;
    while (l >= 4294967296) {
        l -= 4294967296;
        h++;
    }
    while (l < 0) {
        l += 4294967296;
        h--;
    }
    return fromHalves(h >>> 0, l >>> 0);
}
function hexDigits(hi, lo, width) {
    const digits = hi ? hi.toString(16) + padHex(lo, 8) : lo.toString(16);
    return digits.length < width ? padHex(0, width - digits.length) + digits : digits;
}
function padHex(n, width) {
    const s = (n >>> 0).toString(16);
    return s.length >= width ? s : "00000000".slice(0, width - s.length) + s;
}
/** `0x1a4`, or zero-padded to `width` digits. */
function hex$3(v, width = 0) {
    const [hi, lo] = halvesOf(v);
    return "0x" + hexDigits(hi, lo, width);
}
/** Parses `0x1a4`, `1a4`, `00000000`00001a4`, or decimal with `0n`. */
function parseAddress(text) {
    const t = text.trim().replace(/`/g, "");
    if (/^0x[0-9a-f]+$/i.test(t))
        return host.parseInt64(t.slice(2), 16);
    if (/^0n[0-9]+$/i.test(t))
        return host.parseInt64(t.slice(2), 10);
    if (/^[0-9a-f]+$/i.test(t))
        return host.parseInt64(t, 16);
    return undefined;
}
function describe$1(v) {
    if (v === null)
        return "null";
    if (v === undefined)
        return "undefined";
    return typeof v;
}

/**
 * Execution Residue, raw stack: every pointer-sized slot of a thread's stack that is worth showing,
 * classified and symbolized, from the TEB's stack limit to its base.
 *
 * The pattern (Execution Residue, unmanaged user space): a thread's stack keeps return addresses,
 * code and data pointers of past calls below the stack pointer and between live frames. They show
 * components that were recently involved even when the live stack no longer does. This listing is
 * the raw material (what `dps StackLimit StackBase` shows) with each value classified: CodePointer
 * (into an executable section of an image), DataPointer (into an image's data), ImagePointer (into an
 * image whose section headers are not in the dump), StackPointer (into this stack), OtherStackPointer
 * (into another thread's stack), Value (anything else), Unreadable (slots missing from the dump).
 *
 * Detection: the stack range comes from `Thread.Environment.EnvironmentBlock.NtTib`; without a
 * readable TEB the scan starts at the stack pointer's page and covers `Config.RawStack.FallbackScanBytes`
 * (rows say Source "heuristic"). Memory is read in `Config.RawStack.ChunkBytes` chunks, values are
 * matched against a module range index built once, and only values inside a module are symbolized, each
 * distinct value once. A code pointer is a plausible return address when the bytes right before it decode
 * as a call instruction (x86/x64 `E8`/`FF /2`, ARM64 `BL`/`BLR`); when those bytes are not in the dump the
 * column says so instead of guessing.
 *
 * False positives: any value that happens to fall inside a module looks like a symbol ("coincidental
 * symbolic information"); prefer rows whose ReturnAddress is true. Live is false for slots below the
 * stack pointer: dead residue of calls that already returned.
 *
 * Options (a dx object `new { All = true, Module = "ntdll" }`, or a string `"all"`, `"symbols"`,
 * `"module=ntdll"`): All lists every slot like `dps`; SymbolsOnly keeps only slots that resolve to a
 * symbol in a module, like `dpS`; Module keeps only pointers into that module.
 *
 * @function RawStack
 * @memberof Ewmda
 * @param {number} [tid] Thread id (default: the current thread).
 * @param {object|string} [options] `All` (bool), `SymbolsOnly` (bool), `Module` (string); or a string such as `"all"`, `"symbols"`, `"module=ntdll"`.
 * @returns {ResultSet} One row per slot worth showing: Thread, Address, Value, Kind, Symbol, Module, ReturnAddress, Live, Verdict, Evidence, Source.
 * @example dx @$ewmda.RawStack()
 * @example dx -g @$ewmda.RawStack(0x1a4).Where(r => r.Kind == "CodePointer")
 * @example dx @$ewmda.RawStack(0x1a4, new { All = true })
 * @example !ewmda.rawstack
 * @example !ewmda.rawstack (0x1a4, "module=ntdll")
 */
const rawStack = defineAnalysis({
    meta: {
        name: "RawStack",
        command: "rawstack",
        summary: "Raw stack of a thread (execution residue): every slot worth showing, classified and symbolized",
        patterns: ["Execution Residue (Unmanaged Space, User)"],
        targets: "user",
        triage: false,
        version: "1.0.0",
        params: [
            { name: "tid", help: "thread id (default: the current thread)", optional: true },
            { name: "options", help: "All, SymbolsOnly, Module; or a string such as \"all\", \"symbols\", \"module=ntdll\"", optional: true },
        ],
        options: [
            { name: "All", type: "bool", help: "list every slot, like dps" },
            { name: "SymbolsOnly", type: "bool", help: "only slots that resolve to a symbol in a module, like dpS" },
            { name: "Module", type: "string", help: "only pointers into this module (name with or without extension)" },
        ],
        columns: [
            { name: "Thread", type: "hex", help: "Thread id", table: false },
            { name: "Address", type: "address", help: "Address of the stack slot" },
            { name: "Value", type: "address", help: "Pointer-sized value stored in the slot" },
            { name: "Kind", type: "string", help: "CodePointer, DataPointer, ImagePointer, StackPointer, OtherStackPointer, Value or Unreadable" },
            { name: "Symbol", type: "string", help: "module!symbol+0xoff, or module+0xoff without symbols (pointers into images)" },
            { name: "Module", type: "string", help: "Image the value points into" },
            { name: "ReturnAddress", type: "bool", help: "A call instruction ends right before the value (plausible return address); unreadable when the code is not in the dump" },
            { name: "Live", type: "bool", help: "The slot is at or above the stack pointer (live frames) rather than below it (dead residue)" },
        ],
        settings: {
            ChunkBytes: {
                default: 0x10000,
                help: "Bytes read per memory request while scanning a stack",
                reason: "64 KiB reads a 1 MiB stack in 16 requests; larger reads fail more often on partly captured stacks",
            },
            PageBytes: {
                default: 0x1000,
                help: "Granularity used to find the readable parts of a chunk that failed to read",
                reason: "the page size of every Windows architecture ewmda supports",
            },
            FallbackScanBytes: {
                default: 0x100000,
                help: "How far above the stack pointer to scan when the TEB cannot be read",
                reason: "1 MiB is the default reserved stack size of Windows executables",
            },
            MaxRows: {
                default: 200000,
                help: "Rows kept per call (the scan still covers the whole stack)",
                reason: "a 1 MiB x64 stack has 131072 slots; the limit protects dx from a runaway listing",
            },
        },
    },
    *run(ctx, args) {
        const t = ctx.target;
        const cfg = ctx.settings;
        const parsed = parseArguments$3(args);
        if (typeof parsed === "string") {
            ctx.summary("RawStack: " + parsed);
            yield info$8(parsed, "heuristic");
            return;
        }
        const { tid, options } = parsed;
        const thread = tid === undefined ? t.currentThread() : t.findThread(tid);
        if (!thread) {
            const known = t.threads().map((x) => "0x" + x.id.toString(16));
            const text = tid === undefined ? "there is no current thread" :
                "thread 0x" + tid.toString(16) + " is not in this process (" + known.length + " threads: " + known.slice(0, 12).join(", ") + (known.length > 12 ? ", ..." : "") + "; ~ lists them)";
            ctx.summary("RawStack: " + text);
            yield info$8(text, "typed");
            return;
        }
        const tidText = "0x" + thread.id.toString(16);
        const range = t.stackRange(thread, cfg.FallbackScanBytes);
        if (range instanceof Unavailable) {
            ctx.summary("RawStack thread " + tidText + ": no stack range");
            yield info$8("no stack range for thread " + tidText + ": " + range.reason + " (try !teb, .reload /f ntdll.dll)", "typed");
            return;
        }
        const source = range.source === "teb" ? "typed" : "heuristic";
        if (range.note) {
            yield info$8("thread " + tidText + ": " + range.note + "; scanning " + t.formatAddress(range.limit) + " - " + t.formatAddress(range.base) +
                " from the stack pointer instead (.reload /f ntdll.dll may restore the TEB)", "heuristic");
        }
        const ps = t.pointerSize();
        const total = differenceOf(range.base, range.limit);
        if (total === undefined || total <= 0) {
            yield info$8("thread " + tidText + ": the stack range is empty", source);
            return;
        }
        const sp = t.stackPointer(thread);
        const [spHi, spLo] = sp ? halvesOf(sp) : [0, 0];
        const [limHi, limLo] = halvesOf(range.limit);
        const [baseHi, baseLo] = halvesOf(range.base);
        const modules = t.modules();
        const wanted = options.module !== undefined ? modules.byName(options.module) : undefined;
        if (options.module !== undefined && !wanted) {
            yield info$8("no module named " + options.module + " is loaded (lm lists them); nothing can point into it", "typed");
            return;
        }
        const chunkBytes = Math.max(ps, cfg.ChunkBytes - (cfg.ChunkBytes % ps));
        const pageBytes = Math.max(ps, cfg.PageBytes - (cfg.PageBytes % ps));
        const slotsPerWord = ps / 4;
        let slots = 0;
        let shown = 0;
        let dropped = 0;
        let unreadableBytes = 0;
        let unreadableStart;
        let unreadableLength = 0;
        const makeRow = (addrHi, addrLo, hi, lo, kind, m) => {
            const value = fromHalves(hi, lo);
            let symbol;
            let hasSymbol = false;
            let ret;
            if (m) {
                const s = t.symbolize(value, m);
                symbol = s.text;
                hasSymbol = s.hasSymbol;
                if (kind === "CodePointer" || kind === "ImagePointer")
                    ret = t.isReturnSite(value);
            }
            if (options.symbolsOnly && !hasSymbol)
                return undefined;
            const address = fromHalves(addrHi, addrLo);
            const live = sp ? comparePair(addrHi, addrLo, spHi, spLo) >= 0 : unreadable("no stack pointer");
            const evidence = "dps " + t.formatAddress(address) + " L1" + (ret !== undefined ? "; ub " + t.formatAddress(value) + " L1" : "");
            return {
                Thread: thread.id, Address: address, Value: value, Kind: kind, Symbol: symbol, Module: m ? m.name : undefined,
                ReturnAddress: ret, Live: live, Verdict: "Info", Evidence: evidence, Source: source,
            };
        };
        const flushUnreadable = () => {
            if (!unreadableStart)
                return undefined;
            const row = {
                Thread: thread.id, Address: unreadableStart,
                Value: unreadable("0x" + unreadableLength.toString(16) + " bytes of the stack are not in the dump"),
                Kind: "Unreadable", Symbol: undefined, Module: undefined, ReturnAddress: undefined, Live: undefined,
                Verdict: "Info", Evidence: "dps " + t.formatAddress(unreadableStart) + " L0x" + (unreadableLength / ps).toString(16) + " shows ????????", Source: source,
            };
            unreadableStart = undefined;
            unreadableLength = 0;
            return row;
        };
        // Classifies the slots of one readable block; hot loop: no host calls but the cached look-ups.
        const classify = function* (blockAddress, words, count) {
            let [aHi, aLo] = halvesOf(blockAddress);
            for (let i = 0; i < count; i++) {
                const lo = words[i * slotsPerWord] >>> 0;
                const hi = slotsPerWord === 2 ? words[i * 2 + 1] >>> 0 : 0;
                slots++;
                let kind = "Value";
                let m;
                if (hi !== 0 || lo >= 0x10000) {
                    m = modules.findPair(hi, lo);
                    if (m) {
                        const exec = t.isExecutable(m, fromHalves(hi, lo));
                        kind = exec === true ? "CodePointer" : exec === false ? "DataPointer" : "ImagePointer";
                    }
                    else if (comparePair(hi, lo, limHi, limLo) >= 0 && comparePair(hi, lo, baseHi, baseLo) < 0) {
                        kind = "StackPointer";
                    }
                    else if (t.stackOwner(hi, lo)) {
                        kind = "OtherStackPointer";
                    }
                }
                const keep = options.all || (wanted ? m === wanted : options.symbolsOnly ? m !== undefined : kind !== "Value");
                if (keep) {
                    const row = makeRow(aHi, aLo, hi, lo, kind, m);
                    if (row) {
                        if (shown < cfg.MaxRows) {
                            shown++;
                            yield row;
                        }
                        else
                            dropped++;
                    }
                }
                aLo += ps;
                if (aLo >= 4294967296) {
                    aLo -= 4294967296;
                    aHi++;
                }
            }
        };
        /**
         * A page's readable and unreadable pieces: the whole page, or (when it does not read) a readable suffix or
         * prefix found by binary search from whichever end reads. A page with neither end readable is a gap.
         */
        const readablePieces = (page, n) => {
            const whole = t.readPointerWords(page, n);
            if (whole)
                return [{ address: page, count: n, words: whole }];
            const at = (i) => addTo(page, i * ps);
            if (n > 1 && t.readPointerWords(at(n - 1), 1)) {
                let lo = 0; // [lo, n) does not read
                let hi = n - 1; // [hi, n) reads
                while (hi - lo > 1) {
                    const mid = (lo + hi) >> 1;
                    if (t.readPointerWords(at(mid), n - mid))
                        hi = mid;
                    else
                        lo = mid;
                }
                return [{ address: page, count: hi }, { address: at(hi), count: n - hi, words: t.readPointerWords(at(hi), n - hi) }];
            }
            if (n > 1 && t.readPointerWords(page, 1)) {
                let lo = 1; // [0, lo) reads
                let hi = n; // [0, hi) does not read
                while (hi - lo > 1) {
                    const mid = (lo + hi) >> 1;
                    if (t.readPointerWords(page, mid))
                        lo = mid;
                    else
                        hi = mid;
                }
                return [{ address: page, count: lo, words: t.readPointerWords(page, lo) }, { address: at(lo), count: n - lo }];
            }
            return [{ address: page, count: n }];
        };
        for (let offset = 0; offset < total; offset += chunkBytes) {
            const bytes = Math.min(chunkBytes, total - offset);
            const address = addTo(range.limit, offset);
            const words = t.readPointerWords(address, bytes / ps);
            if (words) {
                const pending = flushUnreadable();
                if (pending)
                    yield pending;
                yield* classify(address, words, bytes / ps);
                continue;
            }
            // Part of the chunk is missing: find the readable pages, and the readable part of a page at the edge
            // of a captured range (a captured stack usually starts mid-page, at the stack pointer).
            for (let p = 0; p < bytes; p += pageBytes) {
                const n = Math.min(pageBytes, bytes - p) / ps;
                const pageAddress = addTo(address, p);
                for (const piece of readablePieces(pageAddress, n)) {
                    if (piece.words) {
                        const pending = flushUnreadable();
                        if (pending)
                            yield pending;
                        yield* classify(piece.address, piece.words, piece.count);
                    }
                    else {
                        if (!unreadableStart)
                            unreadableStart = piece.address;
                        unreadableLength += piece.count * ps;
                        unreadableBytes += piece.count * ps;
                        slots += piece.count;
                    }
                }
            }
        }
        const last = flushUnreadable();
        if (last)
            yield last;
        const rangeText = t.formatAddress(range.limit) + " - " + t.formatAddress(range.base);
        if (dropped > 0) {
            yield info$8(dropped + " more rows were not kept (Config.RawStack.MaxRows = " + cfg.MaxRows + "); narrow with Module or SymbolsOnly", source);
        }
        if (shown === 0 && dropped === 0) {
            const what = wanted ? "pointers into " + wanted.name : options.symbolsOnly ? "symbolic values" : "pointers into images or stacks";
            yield {
                Thread: thread.id, Verdict: "Negative", Source: source,
                Evidence: "0 " + what + " among " + slots + " slots of thread " + tidText + "'s stack " + rangeText +
                    (unreadableBytes ? " (0x" + unreadableBytes.toString(16) + " bytes unreadable)" : "") + "; dps " + t.formatAddress(range.limit) + " " + t.formatAddress(range.base),
            };
        }
        ctx.summary("RawStack thread " + tidText + ": stack " + rangeText + ", " + slots + " slots scanned, " + shown + " shown" +
            (unreadableBytes ? ", 0x" + unreadableBytes.toString(16) + " bytes unreadable" : ""));
    },
    rowText(row, c) {
        const parts = [];
        const addr = row.Address;
        const value = row.Value;
        parts.push(isInt64(addr) ? formatSlot(addr, c.pointerSize) : "");
        parts.push(value instanceof Unavailable ? value.reason : isInt64(value) ? formatSlot(value, c.pointerSize) : "");
        if (typeof row.Symbol === "string")
            parts.push(row.Symbol);
        else if (row.Kind !== undefined && row.Kind !== "Value" && row.Kind !== "Unreadable")
            parts.push(String(row.Kind));
        if (row.Verdict !== "Info" || row.Kind === undefined)
            return row.Verdict + ": " + row.Evidence;
        return parts.filter((p) => p !== "").join("  ");
    },
});
function formatSlot(v, ps) {
    const [hi, lo] = halvesOf(v);
    const h = ("00000000" + hi.toString(16)).slice(-8);
    const l = ("00000000" + lo.toString(16)).slice(-8);
    return ps === 4 && hi === 0 ? l : h + "`" + l;
}
function info$8(text, source) {
    return { Verdict: "Info", Evidence: text, Source: source };
}
/** (tid?, options?) from dx or a `!` command; a string describing the problem when they make no sense. */
function parseArguments$3(args) {
    let tidArg = args[0];
    let optArg = args[1];
    if (typeof tidArg === "string" && !/^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(tidArg)) {
        optArg = tidArg;
        tidArg = undefined;
    }
    let tid;
    if (tidArg !== undefined && tidArg !== null) {
        try {
            tid = typeof tidArg === "string" ? parseInt(tidArg, /^\s*0x/i.test(tidArg) ? 16 : 10) : toNumber(tidArg);
        }
        catch (e) {
            return "the thread id must be a number such as 0x1a4, not " + String(tidArg);
        }
        if (!(tid >= 0) || tid !== Math.floor(tid))
            return "the thread id must be a non-negative integer, not " + String(tidArg);
    }
    const options = { all: false, symbolsOnly: false, module: undefined };
    if (typeof optArg === "string") {
        for (const part of optArg.split(/[\s,;]+/)) {
            const p = part.toLowerCase();
            if (p === "")
                continue;
            if (p === "all")
                options.all = true;
            else if (p === "symbols" || p === "symbolsonly")
                options.symbolsOnly = true;
            else if (p.indexOf("module=") === 0)
                options.module = part.slice(7);
            else
                return "unknown option \"" + part + "\" (use all, symbols, module=<name>)";
        }
    }
    else if (optArg !== undefined && optArg !== null) {
        if (typeof optArg !== "object")
            return "options must be an object such as new { All = true } or a string such as \"all\"";
        const o = optArg;
        options.all = o.All === true;
        options.symbolsOnly = o.SymbolsOnly === true;
        if (o.Module !== undefined && o.Module !== null)
            options.module = String(o.Module);
    }
    return { tid, options };
}

/**
 * What an exception code and its parameters mean: NTSTATUS names (ntstatus.h / winnt.h), the codes
 * compilers and runtimes raise (C++ 0xE06D7363, CLR 0xE0434352), fail-fast subcodes (winnt.h
 * FAST_FAIL_*), EXCEPTION_RECORD flags, and access-violation parameters (read / write / execute and the
 * address, with NULL-ish addresses flagged). Plain numbers and hex strings in, text out: no host calls,
 * so the command-output parser and the typed reader share one decoder.
 */
const CODES = {
    0x40010006: { name: "DBG_PRINTEXCEPTION_C", text: "OutputDebugStringA", benign: "debug output raised by OutputDebugString, handled by the system" },
    0x4001000a: { name: "DBG_PRINTEXCEPTION_WIDE_C", text: "OutputDebugStringW", benign: "debug output raised by OutputDebugString, handled by the system" },
    0x406d1388: { name: "MS_VC_EXCEPTION", text: "Thread naming (SetThreadName convention)", benign: "the Visual C++ thread-naming convention; the raiser catches it" },
    0x4000001f: { name: "STATUS_WX86_BREAKPOINT", text: "WOW64 breakpoint" },
    0x80000001: { name: "STATUS_GUARD_PAGE_VIOLATION", text: "Guard page violation" },
    0x80000002: { name: "STATUS_DATATYPE_MISALIGNMENT", text: "Data misaligned" },
    0x80000003: { name: "STATUS_BREAKPOINT", text: "Break instruction exception" },
    0x80000004: { name: "STATUS_SINGLE_STEP", text: "Single step exception" },
    0x80000029: { name: "STATUS_UNWIND_CONSOLIDATE", text: "Unwind consolidation (C++ catch)" },
    0xc0000005: { name: "STATUS_ACCESS_VIOLATION", text: "Access violation" },
    0xc0000006: { name: "STATUS_IN_PAGE_ERROR", text: "In-page I/O error" },
    0xc0000008: { name: "STATUS_INVALID_HANDLE", text: "Invalid handle" },
    0xc000000d: { name: "STATUS_INVALID_PARAMETER", text: "Invalid parameter" },
    0xc0000017: { name: "STATUS_NO_MEMORY", text: "Out of memory (heap or virtual memory)" },
    0xc000001d: { name: "STATUS_ILLEGAL_INSTRUCTION", text: "Illegal instruction" },
    0xc0000025: { name: "STATUS_NONCONTINUABLE_EXCEPTION", text: "Noncontinuable exception" },
    0xc0000026: { name: "STATUS_INVALID_DISPOSITION", text: "Invalid exception disposition" },
    0xc0000028: { name: "STATUS_BAD_STACK", text: "Bad stack (unwind found an invalid stack)" },
    0xc0000029: { name: "STATUS_INVALID_UNWIND_TARGET", text: "Invalid unwind target" },
    0xc000008c: { name: "STATUS_ARRAY_BOUNDS_EXCEEDED", text: "Array bounds exceeded" },
    0xc000008d: { name: "STATUS_FLOAT_DENORMAL_OPERAND", text: "Floating-point denormal operand" },
    0xc000008e: { name: "STATUS_FLOAT_DIVIDE_BY_ZERO", text: "Floating-point divide-by-zero" },
    0xc000008f: { name: "STATUS_FLOAT_INEXACT_RESULT", text: "Floating-point inexact result" },
    0xc0000090: { name: "STATUS_FLOAT_INVALID_OPERATION", text: "Floating-point invalid operation" },
    0xc0000091: { name: "STATUS_FLOAT_OVERFLOW", text: "Floating-point overflow" },
    0xc0000092: { name: "STATUS_FLOAT_STACK_CHECK", text: "Floating-point stack check" },
    0xc0000093: { name: "STATUS_FLOAT_UNDERFLOW", text: "Floating-point underflow" },
    0xc0000094: { name: "STATUS_INTEGER_DIVIDE_BY_ZERO", text: "Integer divide-by-zero" },
    0xc0000095: { name: "STATUS_INTEGER_OVERFLOW", text: "Integer overflow" },
    0xc0000096: { name: "STATUS_PRIVILEGED_INSTRUCTION", text: "Privileged instruction" },
    0xc00000fd: { name: "STATUS_STACK_OVERFLOW", text: "Stack overflow" },
    0xc0000135: { name: "STATUS_DLL_NOT_FOUND", text: "DLL not found" },
    0xc000013a: { name: "STATUS_CONTROL_C_EXIT", text: "Ctrl+C exit" },
    0xc0000142: { name: "STATUS_DLL_INIT_FAILED", text: "DLL initialization failed" },
    0xc0000194: { name: "STATUS_POSSIBLE_DEADLOCK", text: "Possible deadlock (critical section timeout)" },
    0xc000027b: { name: "STATUS_STOWED_EXCEPTION", text: "Stowed exception (WinRT errors reported together)" },
    0xc0000374: { name: "STATUS_HEAP_CORRUPTION", text: "A heap has been corrupted" },
    0xc0000409: { name: "STATUS_STACK_BUFFER_OVERRUN", text: "Security check failure or stack buffer overrun" },
    0xc0000417: { name: "STATUS_INVALID_CRUNTIME_PARAMETER", text: "Invalid C runtime parameter" },
    0xc0000420: { name: "STATUS_ASSERTION_FAILURE", text: "Assertion failure" },
    0xc0000602: { name: "STATUS_FAIL_FAST_EXCEPTION", text: "Fail fast exception (RaiseFailFastException)" },
    0xcfffffff: { name: "WER_HANG_REPORT", text: "Pseudo-exception of a WER hang report", benign: "Windows Error Reporting wrote it for a hang dump; the thread did not fault" },
    0xe0434352: { name: "CLR_EXCEPTION", text: "CLR exception (.NET 4+)" },
    0xe0434f4d: { name: "CLR_EXCEPTION_V2", text: "CLR exception (.NET 2.0-3.5)" },
    0xe06d7363: { name: "CPP_EH_EXCEPTION", text: "C++ EH exception (throw)" },
};
/** The known facts about a code, or undefined for a code not in the table. */
function exceptionCodeInfo(code) {
    return CODES[code >>> 0];
}
/** `STATUS_ACCESS_VIOLATION (Access violation)`, or what the code's severity and customer bits say. */
function exceptionCodeText(code) {
    const c = code >>> 0;
    const info = CODES[c];
    if (info)
        return info.name + " (" + info.text + ")";
    const severity = ["success", "informational", "warning", "error"][c >>> 30];
    const customer = (c & 0x20000000) !== 0;
    return (customer ? "application-defined " : "") + severity + " code 0x" + c.toString(16) + (customer ? " (raised with RaiseException)" : " (!error 0x" + c.toString(16) + ")");
}
/** winnt.h FAST_FAIL_* codes (the subcode of 0xC0000409 / __fastfail). */
const FAST_FAIL = [
    "LEGACY_GS_VIOLATION", "VTGUARD_CHECK_FAILURE", "STACK_COOKIE_CHECK_FAILURE", "CORRUPT_LIST_ENTRY", "INCORRECT_STACK",
    "INVALID_ARG", "GS_COOKIE_INIT", "FATAL_APP_EXIT", "RANGE_CHECK_FAILURE", "UNSAFE_REGISTRY_ACCESS",
    "GUARD_ICALL_CHECK_FAILURE", "GUARD_WRITE_CHECK_FAILURE", "INVALID_FIBER_SWITCH", "INVALID_SET_OF_CONTEXT", "INVALID_REFERENCE_COUNT",
    "", "", "", "INVALID_JUMP_BUFFER", "MRDATA_MODIFIED",
    "CERTIFICATION_FAILURE", "INVALID_EXCEPTION_CHAIN", "CRYPTO_LIBRARY", "INVALID_CALL_IN_DLL_CALLOUT", "INVALID_IMAGE_BASE",
    "DLOAD_PROTECTION_FAILURE", "UNSAFE_EXTENSION_CALL", "DEPRECATED_SERVICE_INVOKED", "INVALID_BUFFER_ACCESS", "INVALID_BALANCED_TREE",
    "INVALID_NEXT_THREAD", "GUARD_ICALL_CHECK_SUPPRESSED", "APCS_DISABLED", "INVALID_IDLE_STATE", "MRDATA_PROTECTION_FAILURE",
    "UNEXPECTED_HEAP_EXCEPTION", "INVALID_LOCK_STATE", "GUARD_JUMPTABLE", "INVALID_LONGJUMP_TARGET", "INVALID_DISPATCH_CONTEXT",
    "INVALID_THREAD", "INVALID_SYSCALL_NUMBER", "INVALID_FILE_OPERATION", "LPAC_ACCESS_DENIED", "GUARD_SS_FAILURE",
    "LOADER_CONTINUITY_FAILURE", "GUARD_EXPORT_SUPPRESSION_FAILURE", "INVALID_CONTROL_STACK", "SET_CONTEXT_DENIED", "INVALID_IAT",
    "HEAP_METADATA_CORRUPTION", "PAYLOAD_RESTRICTION_VIOLATION", "LOW_LABEL_ACCESS_DENIED", "ENCLAVE_CALL_FAILURE", "UNHANDLED_LSS_EXCEPTON",
    "ADMINLESS_ACCESS_DENIED", "UNEXPECTED_CALL", "CONTROL_INVALID_RETURN_ADDRESS", "UNEXPECTED_HOST_BEHAVIOR", "FLAGS_CORRUPTION",
    "VEH_CORRUPTION", "ETW_CORRUPTION", "RIO_ABORT", "INVALID_PFN", "GUARD_ICALL_CHECK_FAILURE_XFG",
    "CAST_GUARD", "HOST_VISIBILITY_CHANGE", "KERNEL_CET_SHADOW_STACK_ASSIST", "PATCH_CALLBACK_FAILED", "NTDLL_PATCH_FAILED",
    "INVALID_FLS_DATA",
];
/** `FAST_FAIL_FATAL_APP_EXIT`, or `FAST_FAIL_<unknown 0x..>`. */
function fastFailName(subcode) {
    const name = subcode >= 0 && subcode < FAST_FAIL.length ? FAST_FAIL[subcode] : undefined;
    if (name)
        return "FAST_FAIL_" + name;
    return subcode >>> 0 === 0xffffffff ? "FAST_FAIL_INVALID_FAST_FAIL_CODE" : "FAST_FAIL_<unknown 0x" + (subcode >>> 0).toString(16) + ">";
}
const FLAG_NAMES = [
    [0x1, "NONCONTINUABLE"], [0x2, "UNWINDING"], [0x4, "EXIT_UNWIND"], [0x8, "STACK_INVALID"],
    [0x10, "NESTED_CALL"], [0x20, "TARGET_UNWIND"], [0x40, "COLLIDED_UNWIND"], [0x80, "SOFTWARE_ORIGINATE"],
];
/** EXCEPTION_RECORD.ExceptionFlags as names (`NONCONTINUABLE|SOFTWARE_ORIGINATE`), `0` when none is set. */
function exceptionFlagsText(flags) {
    const names = [];
    let rest = flags >>> 0;
    for (const [bit, name] of FLAG_NAMES) {
        if (rest & bit) {
            names.push(name);
            rest &= ~bit;
        }
    }
    if (rest)
        names.push("0x" + (rest >>> 0).toString(16));
    return names.length ? names.join("|") : "0";
}
/** An ExceptionInformation value as 32-bit halves, from a hex string (`0x1a`, `00000000001a`, with or without a backtick). */
function hexHalves(text) {
    let t = text.trim().replace(/`/g, "");
    if (/^0x/i.test(t))
        t = t.slice(2);
    if (!/^[0-9a-f]{1,16}$/i.test(t))
        return undefined;
    const lo = parseInt(t.slice(-8), 16);
    const hi = t.length > 8 ? parseInt(t.slice(0, -8), 16) : 0;
    return [hi >>> 0, lo >>> 0];
}
function hexOf$1(hi, lo) {
    const low = lo.toString(16);
    return "0x" + (hi ? hi.toString(16) + "00000000".slice(low.length) + low : low);
}
/** Addresses below this are never mapped in user mode (MM_LOWEST_USER_ADDRESS, the 64 KiB NULL region). */
const NULL_REGION = 0x10000;
/** What an address says about a fault: NULL plus an offset, a small negative offset, -1, non-canonical (x64). */
function addressNote(hi, lo, pointerSize) {
    if (hi === 0 && lo < NULL_REGION)
        return lo === 0 ? "NULL pointer" : "NULL-ish: NULL + 0x" + lo.toString(16) + ", a field of a NULL object";
    const top = pointerSize === 8 ? hi === 0xffffffff : hi === 0;
    if (top && lo === 0xffffffff)
        return "-1: on x64 usually a non-canonical address (general protection fault: disassemble the faulting instruction)";
    if (top && lo >= 0xffff0000)
        return "NULL-ish: a small negative offset from NULL (-0x" + (0x100000000 - lo).toString(16) + ")";
    if (pointerSize === 8 && hi >= 0x8000 && hi <= 0xffff7fff)
        return "non-canonical address (not a valid x64 pointer: corrupted or uninitialized)";
    return undefined;
}
/** What the ExceptionInformation values of a code mean (hex strings, as `.exr` prints them or read from the record). */
function describeParameters(code, parameters, pointerSize) {
    const c = code >>> 0;
    const p = parameters.map(hexHalves);
    if ((c === 0xc0000005 || c === 0xc0000006) && p.length >= 2 && p[0] && p[1]) {
        const kind = p[0][1];
        const access = p[0][0] === 0 && kind === 0 ? "read" : p[0][0] === 0 && kind === 1 ? "write" : p[0][0] === 0 && kind === 8 ? "execute" : "unknown";
        const [hi, lo] = p[1];
        const addr = hexOf$1(hi, lo);
        const note = addressNote(hi, lo, pointerSize);
        const what = access === "execute" ? "execute at " + addr + " (DEP: the address is not executable)" : access === "unknown" ? "access (kind " + hexOf$1(p[0][0], kind) + ") to " + addr : access + " from/to " + addr;
        const verb = access === "read" ? "read from " + addr : access === "write" ? "write to " + addr : what;
        let detail = verb + (note ? " (" + note + ")" : "");
        if (c === 0xc0000006 && p[2])
            detail += "; I/O status 0x" + p[2][1].toString(16);
        return { detail, access, faultAddress: addr, nullish: note !== undefined && note.indexOf("NULL") >= 0 };
    }
    if (c === 0xc0000409 && p.length >= 1 && p[0]) {
        return { detail: fastFailName(p[0][1]) + " (subcode " + p[0][1] + ")" };
    }
    if (c === 0xe06d7363 && p.length >= 3 && p[0] && p[1] && p[2]) {
        const magic = p[0][1];
        const known = magic === 0x19930520 || magic === 0x19930521 || magic === 0x19930522 || magic === 0x01994000;
        return {
            detail: "C++ throw: object " + hexOf$1(p[1][0], p[1][1]) + ", ThrowInfo " + hexOf$1(p[2][0], p[2][1]) +
                (p[3] ? ", module " + hexOf$1(p[3][0], p[3][1]) : "") + (known ? "" : " (unexpected magic 0x" + magic.toString(16) + ": not an MSVC throw?)"),
        };
    }
    if ((c === 0xe0434352 || c === 0xe0434f4d) && p.length >= 1 && p[0]) {
        return { detail: "managed exception; Parameter[0] 0x" + p[0][1].toString(16) + " is its HRESULT on .NET 4+ (SOS !pe shows the object)" };
    }
    if (c === 0xc00000fd)
        return { detail: "the thread's stack is exhausted: look for recursion in the frames (kc)" };
    if (c === 0xc0000374)
        return { detail: "the heap manager found a corrupted block (!heap -s; page heap: gflags /p /enable)" };
    if (c === 0xc000000d)
        return { detail: "an API or the C runtime's invalid-parameter handler rejected an argument" };
    if (c === 0x80000003)
        return { detail: "int 3 / DebugBreak (a debugger break-in through ntdll!DbgUiRemoteBreakin is not a fault)" };
    return undefined;
}
/** An MSVC type descriptor name as C++: `.?AVruntime_error@std@@` → `class std::runtime_error`; names with templates stay mangled. */
function demangleTypeName(mangled) {
    const m = /^\.\?A([VUT])(.*)@@$/.exec(mangled);
    if (!m || m[2].indexOf("?") >= 0)
        return mangled;
    const kind = m[1] === "V" ? "class " : m[1] === "U" ? "struct " : "union ";
    return kind + m[2].split("@").reverse().join("::");
}

/**
 * Parsers for the debugger output the exception analysis reads: `.exr -1` (the most recent exception
 * record), `.lastevent` (which thread, first or second chance) and the frame lines of `k`/`kn` (the stack
 * under `.ecxr`). Formats as WinDbg prints them:
 *
 *   ExceptionAddress: 00007ff7e8b57919 (app!main+0x0000000000000049)
 *      ExceptionCode: c0000005 (Access violation)
 *     ExceptionFlags: 00000000
 *   NumberParameters: 2
 *      Parameter[0]: 0000000000000001
 *      Parameter[1]: 0000000000000000
 *   Attempt to write to address 0000000000000000
 *
 *   Last event: 1138.2b0: Access violation - code c0000005 (first/second chance not available)
 *
 *    # Child-SP          RetAddr               Call Site
 *   00 000000e8`0010ff40 00007ff6`10001500     app!main+0x34 [c:\src\app.cpp @ 12]
 *
 * Values stay text (hex digits without the backtick) so the parsers need no host; the analysis turns
 * them into 64-bit values. Anything that is not in these formats is reported as such, never guessed.
 */
const NO_EXCEPTION = /no exception|not an exception|not a valid exception|no last event|unable to (?:get|read|find) (?:the )?(?:last |most recent )?exception/i;
/** `(app!main+0x0000000000000049)` → `app!main+0x49`. */
function normalizeLocation(text) {
    return text.replace(/\+0x0*([0-9a-f]+)$/i, "+0x$1");
}
/** Parses `.exr -1` (or `.exr <address>`) output; the first record when there are several. */
function parseExr(lines) {
    let address;
    let location;
    let code;
    let codeText;
    let flags;
    const parameters = [];
    const notes = [];
    const cppTypes = [];
    let expectLocation = false;
    let first = "";
    for (const raw of lines) {
        const line = raw.replace(/\s+$/, "");
        const t = line.trim();
        if (t === "")
            continue;
        if (first === "")
            first = t;
        if (expectLocation) {
            expectLocation = false;
            const wrapped = /^\((.+)\)$/.exec(t);
            if (wrapped && location === undefined) {
                location = normalizeLocation(wrapped[1]);
                continue;
            }
        }
        let m = /^ExceptionAddress:\s*([0-9a-f`]+)(?:\s+\((.*)\))?$/i.exec(t);
        if (m) {
            if (address !== undefined)
                break; // a second record: keep the first
            address = m[1].replace(/`/g, "");
            location = m[2] !== undefined ? normalizeLocation(m[2]) : undefined;
            expectLocation = m[2] === undefined;
            continue;
        }
        m = /^ExceptionCode:\s*([0-9a-f]{1,8})(?:\s+\((.*)\))?$/i.exec(t);
        if (m) {
            code = parseInt(m[1], 16) >>> 0;
            codeText = m[2];
            continue;
        }
        m = /^ExceptionFlags:\s*([0-9a-f]{1,8})$/i.exec(t);
        if (m) {
            flags = parseInt(m[1], 16) >>> 0;
            continue;
        }
        if (/^NumberParameters:/i.test(t))
            continue;
        m = /^Parameter\[(\d+)\]:\s*([0-9a-f`]+)/i.exec(t);
        if (m) {
            parameters[Number(m[1])] = m[2].replace(/`/g, "");
            continue;
        }
        m = /^Type\s*:\s*(.+)$/.exec(t);
        if (m && code !== undefined) {
            cppTypes.push(m[1].trim());
            continue;
        }
        if (code !== undefined && (/^Attempt to /i.test(t) || /^Subcode:/i.test(t) || /^pExceptionObject\s*:/i.test(t) || /^_s_ThrowInfo\s*:/i.test(t))) {
            notes.push(t);
        }
    }
    if (code !== undefined && code !== 0 && address !== undefined) {
        const params = [];
        for (let i = 0; i < parameters.length; i++)
            params.push(parameters[i] !== undefined ? parameters[i] : "0");
        return { kind: "record", address, location, code, codeText, flags, parameters: params, notes, cppTypes };
    }
    for (const raw of lines) {
        if (NO_EXCEPTION.test(raw))
            return { kind: "none", text: raw.trim() };
    }
    if (code === 0)
        return { kind: "none", text: "ExceptionCode: 00000000" };
    return { kind: "unrecognized", text: first === "" ? "(no output)" : first };
}
/** Parses `.lastevent`: `Last event: 1138.2b0: Access violation - code c0000005 (first chance)`. */
function parseLastEvent(lines) {
    for (const raw of lines) {
        const m = /Last event:\s*([0-9a-f]+)\.([0-9a-f]+):\s*(.*)$/i.exec(raw);
        if (!m)
            continue;
        const description = m[3].trim();
        const c = /\bcode\s+([0-9a-f]{1,8})\b/i.exec(description);
        let firstChance;
        if (/not available/i.test(description))
            firstChance = undefined;
        else if (/second chance/i.test(description))
            firstChance = false;
        else if (/first chance/i.test(description))
            firstChance = true;
        return {
            processId: parseInt(m[1], 16), threadId: parseInt(m[2], 16), description,
            code: c ? parseInt(c[1], 16) >>> 0 : undefined, firstChance,
        };
    }
    return undefined;
}
/**
 * The frame lines of `k`/`kn` output (after its ` # Child-SP RetAddr Call Site` header), in order;
 * lines before the header (registers, disassembly printed by `.ecxr`) are ignored.
 */
function parseStackText(lines) {
    const frames = [];
    let inStack = false;
    for (const raw of lines) {
        const line = raw.replace(/\(Inline Function\)/, "Inline");
        if (/Child-SP|ChildEBP|Call Site/.test(line)) {
            inStack = true;
            continue;
        }
        if (!inStack)
            continue;
        const m = /^\s*([0-9a-f]{2,4})\s+(\S+)\s+(\S+)\s+(.+?)\s*$/i.exec(line);
        if (!m)
            continue;
        const index = parseInt(m[1], 16);
        if (index !== frames.length)
            continue; // not the next frame: a line of something else
        frames.push({
            index,
            frame: m[2].replace(/`/g, ""),
            returnAddress: m[3].replace(/`/g, ""),
            callSite: m[4].replace(/\s+\[[^\]]*@[^\]]*\]$/, ""),
        });
    }
    return frames;
}

/**
 * Debugger commands as a fallback data source (patterns.md §0.2): some facts have no data-model API in
 * user dumps (thread times: `!runaway`; suspend counts: `~`), so analyses run the classic command and
 * parse its text. Output is collected into plain strings once; a command that fails says why.
 */
/** The command's output lines, or why it gave none (the command threw or is unknown to the debugger). */
function runCommand$1(command) {
    try {
        const out = [];
        // Whether the command runs before its output is iterated is unconfirmed: iterate everything here.
        for (const line of host.namespace.Debugger.Utility.Control.ExecuteCommand(command))
            out.push(String(line));
        return out;
    }
    catch (e) {
        return notAvailable(command + " failed: " + errorMessage(e));
    }
}

const RANK = { Positive: 0, Suspicious: 1, Negative: 2, Info: 3 };
/**
 * Triage: one report for the whole dump. It runs every analysis that gives findings (not the raw listings
 * such as RawStack and the stack collections), each under a time budget, and returns the evental-dump row
 * first (why this dump exists: the exception or event it was written for, the dump writer, the dump's
 * comment), then the findings ranked by verdict (Positive, then Suspicious) with their pattern and the
 * command that shows them in full, then what was checked and found nothing, then what could not be
 * checked and why. An analysis that fails becomes one row naming it; the report still completes.
 *
 * Ranking: verdict first, then the order of the registry (closest to a diagnosis first). Confidence
 * within a verdict is each analysis's own; Triage does not re-score findings.
 *
 * False positives are those of the analyses it runs; every finding row names its analysis so its own
 * documentation (and its dx result) can be checked.
 *
 * Options: Only (analysis names to run, comma-separated), Skip (names to leave out), MaxFindings (findings
 * kept per analysis).
 *
 * @function Triage
 * @memberof Ewmda
 * @param {object|string} [options] `Only` / `Skip` (comma-separated analysis names), `MaxFindings` (number); or a string such as `"skip=SpikingThreads"`.
 * @returns {ResultSet} The evental row, then findings, then checked-and-clean and not-checked rows: Section, Verdict, Pattern, Analysis, Finding, Command, Evidence, Source.
 * @example dx @$ewmda.Triage()
 * @example dx -g @$ewmda.Triage().Where(r => r.Verdict == "Positive")
 * @example !ewmda.triage
 * @example !ewmda.triage "skip=SpikingThreads"
 */
const triage = defineAnalysis({
    meta: {
        name: "Triage",
        command: "triage",
        summary: "Every finding analysis in one ranked report: why the dump exists, findings, what was clean, what was not checked",
        patterns: ["Eventual (Evental) Dumps"],
        targets: "any",
        triage: false,
        version: "1.0.0",
        params: [{ name: "options", help: "Only, Skip, MaxFindings; or a string such as \"skip=SpikingThreads\"", optional: true }],
        options: [
            { name: "Only", type: "string", help: "run only these analyses (comma-separated dx names)" },
            { name: "Skip", type: "string", help: "leave these analyses out (comma-separated dx names)" },
            { name: "MaxFindings", type: "number", help: "findings kept per analysis (the rest are counted)" },
        ],
        columns: [
            { name: "Section", type: "string", help: "Event (why the dump exists), Finding, Clean (checked, nothing found), NotChecked (missing data or skipped), Error (the analysis failed)" },
            { name: "Pattern", type: "string", help: "Catalogue pattern the row gives evidence for" },
            { name: "Analysis", type: "string", help: "The analysis that produced the row" },
            { name: "Finding", type: "string", help: "The row's one-line text" },
            { name: "Command", type: "string", help: "dx command that shows the analysis's full result", table: false },
        ],
        settings: {
            BudgetMs: { default: 30000, help: "Time allowed per analysis, in milliseconds", reason: "enough for 20,000 threads on a workstation; a slower analysis is reported as partial rather than holding up the report" },
            TotalBudgetMs: { default: 300000, help: "Time allowed for the whole report", reason: "five minutes: analyses not started by then are listed as not checked" },
            MaxFindings: { default: 20, help: "Findings kept per analysis", reason: "the report stays readable; the analysis's own result has all of them" },
        },
    },
    *run(ctx, args) {
        const opts = parseOptions(args[0]);
        if (typeof opts === "string") {
            ctx.summary("Triage: " + opts);
            yield { Verdict: "Info", Evidence: opts, Source: "heuristic", Section: "NotChecked" };
            return;
        }
        const maxFindings = opts.maxFindings ?? ctx.settings.MaxFindings;
        yield eventRow();
        const candidates = ctx.analyses.filter((a) => a.meta.triage !== false && a.meta.name !== "Triage");
        const unknown = opts.only.concat(opts.skip).filter((n) => !ctx.analyses.some((a) => a.meta.name.toLowerCase() === n.toLowerCase()));
        if (unknown.length)
            yield notChecked(undefined, "unknown analysis name(s): " + unknown.join(", "));
        const chosen = candidates.filter((a) => (opts.only.length === 0 || has(opts.only, a.meta.name)) && !has(opts.skip, a.meta.name));
        const kernel = ctx.target.isKernel();
        const findings = [];
        const clean = [];
        const notRun = [];
        let positives = 0;
        let suspicious = 0;
        const started = Date.now();
        for (const a of chosen) {
            if (a.meta.targets === "kernel" && !kernel) {
                notRun.push(notChecked(a, "needs a kernel or complete dump"));
                continue;
            }
            if (Date.now() - started > ctx.settings.TotalBudgetMs) {
                notRun.push(notChecked(a, "the report's time budget (" + ctx.settings.TotalBudgetMs + " ms) ran out before it started"));
                continue;
            }
            let result;
            try {
                result = runAnalysis(a, ctx.target, ctx.config, [], { analyses: ctx.analyses, budgetMs: ctx.settings.BudgetMs });
            }
            catch (e) {
                notRun.push(errorRow(a, errorMessage(e)));
                continue;
            }
            const kept = [];
            let dropped = 0;
            for (const row of result.rows) {
                if (row.Verdict === "Positive" || row.Verdict === "Suspicious") {
                    if (kept.length < maxFindings)
                        kept.push(findingRow(a, row, result.pointerSize));
                    else
                        dropped++;
                    if (row.Verdict === "Positive")
                        positives++;
                    else
                        suspicious++;
                }
            }
            findings.push(...kept);
            if (dropped)
                findings.push({ ...findingRow(a, { Verdict: "Info", Evidence: dropped + " more findings not shown (MaxFindings " + maxFindings + ")", Source: "heuristic" }, result.pointerSize), Section: "Finding" });
            if (result.partial) {
                const why = result.rows[result.rows.length - 1];
                notRun.push(errorRow(a, why ? why.Evidence : "stopped early"));
            }
            else if (kept.length === 0 && dropped === 0) {
                const negative = result.rows.find((r) => r.Verdict === "Negative");
                const info = result.rows.find((r) => r.Verdict === "Info");
                if (negative) {
                    const row = { ...findingRow(a, negative, result.pointerSize), Section: "Clean" };
                    // What limited the check (missing symbols, data the dump lacks) stays visible beside "nothing found".
                    if (info)
                        row.Finding = String(row.Finding) + " (limited: " + info.Evidence + ")";
                    clean.push(row);
                }
                else
                    notRun.push(notChecked(a, info ? info.Evidence : result.summary));
            }
        }
        findings.sort((x, y) => (RANK[x.Verdict] ?? 9) - (RANK[y.Verdict] ?? 9));
        yield* findings;
        yield* clean;
        yield* notRun;
        ctx.summary("Triage: " + positives + " positive and " + suspicious + " suspicious finding(s) from " + chosen.length + " analyses; " +
            clean.length + " clean, " + notRun.length + " not checked or failed");
    },
    rowText(row) {
        return (row.Section === "Event" ? "Event" : String(row.Verdict)) + (row.Analysis ? " [" + String(row.Analysis) + "]" : "") + ": " + String(row.Finding ?? row.Evidence);
    },
});
function has(list, name) {
    return list.some((n) => n.toLowerCase() === name.toLowerCase());
}
function command$1(a) {
    return "dx Debugger.Utility.Ewmda." + a.meta.name + "()";
}
function findingRow(a, row, pointerSize) {
    let text;
    try {
        text = a.rowText ? a.rowText(row, { pointerSize }) : row.Evidence;
    }
    catch (e) {
        text = row.Evidence;
    }
    return {
        Section: "Finding", Verdict: row.Verdict, Pattern: a.meta.patterns[0], Analysis: a.meta.name, Finding: text,
        Command: command$1(a), Evidence: row.Evidence, Source: row.Source,
    };
}
function notChecked(a, why) {
    return {
        Section: "NotChecked", Verdict: "Info", Pattern: a ? a.meta.patterns[0] : undefined, Analysis: a ? a.meta.name : undefined,
        Finding: "not checked: " + why, Command: a ? command$1(a) : undefined, Evidence: why, Source: "heuristic",
    };
}
function errorRow(a, why) {
    return {
        Section: "Error", Verdict: "Info", Pattern: a.meta.patterns[0], Analysis: a.meta.name,
        Finding: a.meta.name + " failed or stopped early: " + why, Command: command$1(a), Evidence: why, Source: "heuristic",
    };
}
/** Why the dump exists: the exception it was written for, or that there was none (a manual or hang dump). */
function eventRow() {
    const base = { Section: "Event", Pattern: "Eventual (Evental) Dumps", Analysis: "Triage", Command: "dx Debugger.Utility.Ewmda.ExceptionStackTraces()" };
    const exr = runCommand$1(".exr -1");
    const last = runCommand$1(".lastevent");
    const lastEvent = last instanceof Unavailable ? undefined : parseLastEvent(last);
    const parsed = exr instanceof Unavailable ? undefined : parseExr(exr);
    if (parsed && parsed.kind === "record") {
        const code = parsed.code;
        const thread = lastEvent && lastEvent.threadId !== undefined ? " on thread 0x" + lastEvent.threadId.toString(16) : "";
        const chance = lastEvent && lastEvent.firstChance !== undefined ? (lastEvent.firstChance ? " (first chance)" : " (second chance)") : "";
        const where = " at " + parsed.address + (parsed.location ? " (" + parsed.location + ")" : "");
        const verdict = "Positive";
        return {
            ...base, Verdict: verdict,
            Finding: "written for an exception: " + exceptionCodeText(code) + where + thread + chance,
            Evidence: ".exr -1; .ecxr; kn", Source: "command",
        };
    }
    const why = exr instanceof Unavailable ? exr.reason : parsed && parsed.kind === "none" ? "the dump has no exception record" : "the .exr -1 output was not recognized";
    return {
        ...base, Verdict: "Info",
        Finding: "no exception: a manual, hang or on-demand dump (" + why + "); see .dumpdebug for the writer's flags and comment",
        Evidence: ".lastevent; .dumpdebug", Source: "command",
    };
}
function parseOptions(arg) {
    const out = { only: [], skip: [], maxFindings: undefined };
    const list = (v) => String(v).split(/[,;\s]+/).filter((s) => s !== "");
    if (arg === undefined || arg === null)
        return out;
    if (typeof arg === "string") {
        for (const part of arg.split(/\s+/)) {
            if (part === "")
                continue;
            const eq = part.indexOf("=");
            const key = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
            const value = eq < 0 ? "" : part.slice(eq + 1);
            if (key === "only")
                out.only = list(value);
            else if (key === "skip")
                out.skip = list(value);
            else if (key === "maxfindings" && /^\d+$/.test(value))
                out.maxFindings = Number(value);
            else
                return "unknown option \"" + part + "\" (use only=A,B skip=C maxfindings=N)";
        }
        return out;
    }
    if (typeof arg !== "object")
        return "options must be an object such as new { Skip = \"SpikingThreads\" } or a string such as \"skip=SpikingThreads\"";
    const o = arg;
    if (o.Only !== undefined && o.Only !== null)
        out.only = list(o.Only);
    if (o.Skip !== undefined && o.Skip !== null)
        out.skip = list(o.Skip);
    if (o.MaxFindings !== undefined && o.MaxFindings !== null) {
        const n = Number(o.MaxFindings);
        if (!(n >= 0) || n !== Math.floor(n))
            return "MaxFindings must be a non-negative integer";
        out.maxFindings = n;
    }
    return out;
}

/**
 * Every thread's stack, read once per call from the data model (`Thread.Stack.Frames`) and shared by all
 * analyses of that call (through the Target): frames with their module, symbol and normalized function
 * name, and a signature for grouping identical stacks. Symbols are looked up once per distinct address.
 */
/** True when a frame's function matches a pattern: `module!Function`, with `*` as a wildcard; case-insensitive. */
function matchesFunction(func, pattern) {
    return globMatch(func.toLowerCase(), pattern.toLowerCase());
}
/** `*` matches any run of characters (no RegExp: patterns come from users and must not need escaping). */
function globMatch(text, pattern) {
    const parts = pattern.split("*");
    if (parts.length === 1)
        return text === pattern;
    const first = parts[0];
    const last = parts[parts.length - 1];
    if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last))
        return false;
    let pos = first.length;
    const end = text.length - last.length;
    for (let i = 1; i < parts.length - 1; i++) {
        const p = parts[i];
        const at = text.indexOf(p, pos);
        if (at < 0 || at + p.length > end)
            return false;
        pos = at + p.length;
    }
    return true;
}

/**
 * `module!function` (either side may use `*`; `ntdll!` or `ntdll` alone means any frame in ntdll,
 * `!Func` or `*!Func` any module), or `module+0xoff*` to match frames without symbols by their offset.
 */
function parseFramePattern(text) {
    const p = text.trim().toLowerCase();
    if (p === "")
        return "an empty frame pattern";
    const bang = p.indexOf("!");
    if (bang < 0) {
        if (p.indexOf("+") >= 0)
            return { text: text.trim(), module: undefined, func: undefined, symbol: p };
        return { text: text.trim(), module: p, func: undefined, symbol: undefined };
    }
    const mod = p.slice(0, bang);
    const fn = p.slice(bang + 1);
    return { text: text.trim(), module: mod === "" || mod === "*" ? undefined : mod, func: fn === "" || fn === "*" ? undefined : fn, symbol: undefined };
}
/** The function name without module and offset (`NtWaitForSingleObject`); "" for frames without symbols. */
function functionName(f) {
    if (!f.hasSymbol)
        return "";
    const bang = f.func.indexOf("!");
    return bang >= 0 ? f.func.slice(bang + 1) : f.func;
}
function frameMatches(f, p) {
    if (p.symbol !== undefined)
        return globMatch(f.symbol.toLowerCase(), p.symbol);
    if (p.module !== undefined) {
        const m = f.module;
        if (!m)
            return false;
        if (!globMatch(m.symbolName.toLowerCase(), p.module) && !globMatch(m.name.toLowerCase(), p.module))
            return false;
    }
    if (p.func !== undefined && !globMatch(functionName(f).toLowerCase(), p.func))
        return false;
    return true;
}
/** The first frame (top down) that matches any of the patterns. */
function firstMatchingFrame(frames, patterns) {
    for (const f of frames) {
        for (const p of patterns)
            if (frameMatches(f, p))
                return { frame: f, pattern: p };
    }
    return undefined;
}
/**
 * Reads an options argument: a dx object (`new { MaxFrames = 8 }`, read by the names in `allowed`) or a
 * string of `name=value` parts separated by spaces or `;` (names case-insensitive). A string (or a part)
 * that is not `name=value` goes to `bare` when given (a thread list, a frame pattern). A number goes to
 * `bare` too. Returns a message instead of throwing when the argument makes no sense.
 */
function readOptions(arg, allowed, bare) {
    const bag = {};
    if (arg === undefined || arg === null)
        return bag;
    if (typeof arg === "number" || isInt64(arg)) {
        if (!bare)
            return "expected options such as new { " + allowed[0] + " = ... }, not a number";
        bag[bare] = arg;
        return bag;
    }
    if (typeof arg === "string") {
        const named = (part) => {
            const eq = part.indexOf("=");
            if (eq <= 0)
                return undefined;
            const key = part.slice(0, eq).trim().toLowerCase();
            for (const a of allowed)
                if (a.toLowerCase() === key)
                    return { name: a, value: part.slice(eq + 1).trim() };
            return undefined;
        };
        // "threads=0x1a4, 0x2b0": spaces around list commas do not separate options.
        const parts = arg.replace(/\s*,\s*/g, ",").split(/[\s;]+/).filter((s) => s !== "");
        // A string without any name=value part is one bare value (a frame pattern may contain spaces).
        if (!parts.some((p) => named(p) !== undefined)) {
            if (arg.trim() === "")
                return bag;
            if (/^\s*[A-Za-z]+\s*=/.test(arg))
                return "unknown option \"" + arg.trim() + "\" (options: " + allowed.join(", ") + ")";
            if (!bare)
                return "unknown option \"" + arg.trim() + "\" (use name=value with " + allowed.join(", ") + ")";
            bag[bare] = arg.trim();
            return bag;
        }
        for (const part of parts) {
            const n = named(part);
            if (n)
                bag[n.name] = n.value;
            else if (bare && bag[bare] === undefined && !/^[A-Za-z]+=/.test(part))
                bag[bare] = part;
            else
                return "unknown option \"" + part + "\" (options: " + allowed.join(", ") + ")";
        }
        return bag;
    }
    if (typeof arg === "object") {
        for (const name of allowed) {
            let v;
            try {
                v = arg[name];
            }
            catch (e) {
                v = undefined;
            }
            if (v !== undefined && v !== null)
                bag[name] = v;
        }
        return bag;
    }
    return "options must be an object such as new { " + allowed[0] + " = ... } or a string such as \"" + allowed[0].toLowerCase() + "=...\", not " + typeof arg;
}
/** Items of a list option: a string split on `,` `;` `|` or spaces, or any iterable of values. */
function listItems(v, splitSpaces) {
    if (typeof v === "string")
        return v.split(splitSpaces ? /[\s,;|]+/ : /[,;|]+/).map((s) => s.trim()).filter((s) => s !== "");
    if (typeof v === "number" || isInt64(v))
        return [v];
    if (v && typeof v === "object" && typeof v[Symbol.iterator] === "function") {
        const out = [];
        for (const x of v)
            out.push(x);
        return out;
    }
    return [v];
}
/** Thread ids: `0x1a4` (hex), `0n420` or `420` (decimal), numbers; a message for anything else. */
function parseThreadIds(v) {
    const out = [];
    for (const item of listItems(v, true)) {
        let id;
        if (typeof item === "string") {
            if (/^0x[0-9a-f]+$/i.test(item))
                id = parseInt(item.slice(2), 16);
            else if (/^0n[0-9]+$/i.test(item))
                id = parseInt(item.slice(2), 10);
            else if (/^[0-9]+$/.test(item))
                id = parseInt(item, 10);
            else
                return "thread ids are numbers such as 0x1a4 (hex needs 0x), not \"" + item + "\"";
        }
        else {
            try {
                id = toNumber(item);
            }
            catch (e) {
                return "thread ids are numbers such as 0x1a4, not " + String(item);
            }
            if (!(id >= 0) || id !== Math.floor(id))
                return "thread ids are non-negative integers, not " + String(item);
        }
        out.push(id);
    }
    return out;
}
function parseCount(v, name) {
    let n;
    if (typeof v === "string") {
        const s = v.trim();
        n = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s.slice(2), 16) : /^[0-9]+$/.test(s) ? parseInt(s, 10) : NaN;
    }
    else {
        try {
            n = toNumber(v);
        }
        catch (e) {
            n = NaN;
        }
    }
    if (!(n >= 1) || n !== Math.floor(n))
        return name + " must be a positive integer, not " + String(v);
    return n;
}
function parseFramePatterns(v, name) {
    const out = [];
    for (const item of listItems(v, false)) {
        const p = parseFramePattern(String(item));
        if (typeof p === "string")
            return name + ": " + p;
        out.push(p);
    }
    return out;
}
const STACK_OPTION_NAMES = ["Threads", "MaxFrames", "Exclude"];
/** StackOptions out of a bag read by readOptions; a message when a value is bad. */
function stackOptions(bag) {
    let threads;
    if (bag.Threads !== undefined) {
        const t = parseThreadIds(bag.Threads);
        if (typeof t === "string")
            return t;
        threads = t;
    }
    let maxFrames;
    if (bag.MaxFrames !== undefined) {
        const n = parseCount(bag.MaxFrames, "MaxFrames");
        if (typeof n === "string")
            return n;
        maxFrames = n;
    }
    let exclude = [];
    if (bag.Exclude !== undefined) {
        const e = parseFramePatterns(bag.Exclude, "Exclude");
        if (typeof e === "string")
            return e;
        exclude = e;
    }
    return { threads, maxFrames, exclude };
}
/** One line describing the options (for summaries and Negative rows); "" when none are set. */
function describeOptions(o) {
    const parts = [];
    if (o.threads)
        parts.push("Threads = " + o.threads.map(hexId).join(","));
    if (o.maxFrames !== undefined)
        parts.push("MaxFrames = " + o.maxFrames);
    if (o.exclude.length)
        parts.push("Exclude = " + o.exclude.map((p) => p.text).join(","));
    return parts.join(", ");
}
/** Applies Threads and Exclude; reads (through the Target's cache) only the selected threads' stacks. */
function selectStacks(t, o) {
    const all = t.threads();
    let chosen = all;
    const missing = [];
    if (o.threads) {
        const wanted = o.threads;
        chosen = all.filter((x) => wanted.indexOf(x.id) >= 0);
        for (const id of wanted)
            if (missing.indexOf(id) < 0 && !all.some((x) => x.id === id))
                missing.push(id);
    }
    const stacks = [];
    const excluded = [];
    for (const thread of chosen) {
        const s = t.threadStack(thread);
        if (o.exclude.length && Array.isArray(s.frames)) {
            const hit = firstMatchingFrame(s.frames, o.exclude);
            if (hit) {
                excluded.push({ stack: s, frame: hit.frame, pattern: hit.pattern });
                continue;
            }
        }
        stacks.push(s);
    }
    return { stacks, total: all.length, missing, excluded };
}
/** "thread 0x999 is not in this process (3 threads: 0x1a4, 0x2b0, 0x3c4; ~ lists them)". */
function missingThreadText(missing, t) {
    const known = t.threads().map((x) => hexId(x.id));
    return (missing.length === 1 ? "thread " + hexId(missing[0]) + " is" : "threads " + missing.map(hexId).join(", ") + " are") +
        " not in this process (" + known.length + " threads: " + known.slice(0, 12).join(", ") + (known.length > 12 ? ", ..." : "") + "; ~ lists them)";
}
function hexId(id) {
    return "0x" + id.toString(16);
}
/** The thread's name (SetThreadDescription), when the debugger knows one. */
function threadName(thread) {
    try {
        const n = thread.model.Name;
        return typeof n === "string" && n !== "" ? n : undefined;
    }
    catch (e) {
        return undefined;
    }
}
/** `~~[0x1a4]kn`: the classic command that shows a thread's stack. */
function stackCommand$1(id) {
    return "~~[" + hexId(id) + "]kn";
}
/** The thread-selection options the stack collections share (one wording for dx help and docs). */
const THREADS_OPTION = { name: "Threads", type: "string", help: "only these thread ids (\"0x1a4,0x2b0\")" };
const EXCLUDE_OPTION = { name: "Exclude", type: "string", help: "leave out threads with a frame matching any of these module!function patterns (* wildcards)" };

/**
 * Stack Trace Collection (Unmanaged Space): every thread's native stack, one row per frame, so that dx
 * can filter the whole collection by module, function or thread like `~*kn` cannot.
 *
 * The pattern: many problems (blocked threads, coupled components, procedure call chains) only show
 * when all stacks of a process are looked at together, not one at a time. This is the collection itself
 * (what `~*kn` prints) as keyed rows: Thread, ThreadName, Frame, ChildSP, IP (the frame's instruction
 * address), ReturnAddress (where the frame returns, the next frame's IP: `k`'s RetAddr), Symbol,
 * Module and Function. UniqueStacks groups the same stacks; StackTraces selects threads by a predicate.
 *
 * Detection: the frames the debugger unwound (`Thread.Stack.Frames`), read once per thread per call
 * and symbolized once per distinct address. Frames without symbols show as `module+0xoffset` and
 * their Function is "not available"; frames outside every module (JIT code, unloaded modules) have no
 * Module. A thread whose stack cannot be read, or that has no frames, gives an Info row.
 *
 * False positives: the frames are the debugger's unwind; with missing symbols or frame-pointer-less
 * code it can skip frames or stop early (Incorrect Stack Trace); RawStack shows the raw stack memory.
 *
 * Options (a dx object `new { Threads = "0x1a4,0x2b0", MaxFrames = 10, Exclude = "ntdll!NtWaitForWorkViaWorkerFactory" }`,
 * or a string `"threads=0x1a4,0x2b0 maxframes=10 exclude=ntdll!*Worker*,win32u"`, or a thread id):
 * Threads keeps only these threads; MaxFrames keeps the top frames of each stack; Exclude leaves out
 * threads with a frame matching any of the `module!function` patterns (`*` wildcards; a module name
 * alone matches any frame in it).
 *
 * @function StackTraceCollection
 * @memberof Ewmda
 * @param {object|string|number} [options] `Threads` (ids, "0x1a4,0x2b0"), `MaxFrames` (number), `Exclude` (patterns, "ntdll!*Worker*,win32u"); or a string such as `"threads=0x1a4 maxframes=5"`, or one thread id.
 * @returns {ResultSet} One row per frame: Thread, ThreadName, Frame, ChildSP, IP, ReturnAddress, Symbol, Module, Function, Verdict, Evidence, Source.
 * @example dx @$ewmda.StackTraceCollection()
 * @example dx -g @$ewmda.StackTraceCollection().Where(f => f.Module == "ntdll.dll" && f.Function.Contains("Wait"))
 * @example dx @$ewmda.StackTraceCollection(new { MaxFrames = 5, Exclude = "ntdll!NtWaitForWorkViaWorkerFactory" })
 * @example !ewmda.stacks
 * @example !ewmda.stacks "threads=0x1a4,0x2b0 maxframes=8"
 */
const stackTraceCollection = defineAnalysis({
    meta: {
        name: "StackTraceCollection",
        command: "stacks",
        summary: "Every thread's native stack, one row per frame (like ~*kn), filterable by thread, module and function",
        patterns: ["Stack Trace Collection (Unmanaged Space)"],
        targets: "user",
        triage: false,
        version: "1.0.0",
        params: [
            { name: "options", help: "Threads, MaxFrames, Exclude; or a string such as \"threads=0x1a4 maxframes=5\"; or a thread id", optional: true },
        ],
        options: [
            THREADS_OPTION,
            { name: "MaxFrames", type: "number", help: "keep the top frames of each stack" },
            EXCLUDE_OPTION,
        ],
        columns: [
            { name: "Thread", type: "hex", help: "Thread id" },
            { name: "ThreadName", type: "string", help: "Thread description (SetThreadDescription), when the dump has one", table: false },
            { name: "Frame", type: "hex", help: "Frame number (0 is the top, as in kn)" },
            { name: "ChildSP", type: "address", help: "Stack pointer of the frame (k's Child-SP)" },
            { name: "IP", type: "address", help: "Instruction address of the frame (k's Call Site address)", table: false },
            { name: "ReturnAddress", type: "address", help: "Where the frame returns to: the next frame's instruction address (k's RetAddr)" },
            { name: "Symbol", type: "string", help: "module!function+0xoffset, or module+0xoffset without symbols, or the address outside modules" },
            { name: "Module", type: "string", help: "Image the frame's code is in", table: false },
            { name: "Function", type: "string", help: "Function name without module and offset (not available without symbols)", table: false },
        ],
        settings: {
            MaxRows: {
                default: 100000,
                help: "Frame rows kept per call",
                reason: "500 threads of 200 frames; beyond that dx becomes slow, narrow with Threads, Exclude or MaxFrames",
            },
        },
    },
    *run(ctx, args) {
        const t = ctx.target;
        const bag = readOptions(args[0], STACK_OPTION_NAMES, "Threads");
        const opts = typeof bag === "string" ? bag : stackOptions(bag);
        if (typeof opts === "string") {
            ctx.summary("StackTraceCollection: " + opts);
            yield info$7(opts, "heuristic");
            return;
        }
        const sel = selectStacks(t, opts);
        if (sel.missing.length)
            yield info$7(missingThreadText(sel.missing, t), "typed");
        let rows = 0;
        let dropped = 0;
        let unreadable = 0;
        let cut = 0;
        const maxRows = ctx.settings.MaxRows;
        for (const stack of sel.stacks) {
            const id = stack.thread.id;
            if (!Array.isArray(stack.frames)) {
                unreadable++;
                const reason = stack.frames.reason;
                yield info$7(reason + " (" + stackCommand$1(id) + " shows what the debugger can unwind)", "typed");
                continue;
            }
            const all = stack.frames;
            if (all.length === 0) {
                unreadable++;
                yield info$7("thread " + hexId(id) + " has no frames: the debugger could not unwind it (" + stackCommand$1(id) + "; RawStack shows the raw stack)", "typed");
                continue;
            }
            const frames = opts.maxFrames !== undefined && all.length > opts.maxFrames ? all.slice(0, opts.maxFrames) : all;
            if (frames.length < all.length)
                cut++;
            const name = threadName(stack.thread);
            for (const f of frames) {
                if (rows >= maxRows) {
                    dropped++;
                    continue;
                }
                rows++;
                const next = all[f.index + 1];
                yield frameRow(id, name, f, next, t.formatAddress(f.ip));
            }
        }
        const optText = describeOptions(opts);
        if (dropped)
            yield info$7(dropped + " more frames were not kept (Config.StackTraceCollection.MaxRows = " + maxRows + "); narrow with Threads, Exclude or MaxFrames", "typed");
        if (cut)
            yield info$7("frames below the top " + opts.maxFrames + " were left out on " + cut + " of " + sel.stacks.length + " threads (MaxFrames)", "typed");
        if (rows === 0 && unreadable === 0 && sel.missing.length === 0) {
            yield {
                Verdict: "Negative", Source: "typed",
                Evidence: "0 frames: " + selectionText(sel.total, sel.stacks.length, sel.excluded.length, optText) + " (~*kn)",
            };
        }
        ctx.summary("StackTraceCollection: " + rows + " frames of " + (sel.stacks.length - unreadable) + " threads" +
            (unreadable ? ", " + unreadable + " stacks unreadable" : "") +
            (sel.excluded.length ? ", " + sel.excluded.length + " threads left out by Exclude" : "") +
            " (" + sel.total + " threads in the process" + (optText ? "; " + optText : "") + ")");
    },
    rowText(row) {
        if (row.Frame === undefined)
            return row.Verdict + ": " + row.Evidence;
        const frame = typeof row.Frame === "number" ? ("0" + row.Frame.toString(16)).slice(-2) : String(row.Frame);
        return hexId(row.Thread) + " #" + frame + " " + String(row.Symbol);
    },
});
function frameRow(id, name, f, next, ipText) {
    const fn = functionName(f);
    const noModule = "not inside any loaded module (JIT code, or an unloaded module: lm, !address " + ipText + ")";
    return {
        Thread: id,
        ThreadName: name,
        Frame: f.index,
        ChildSP: f.sp !== undefined ? f.sp : notAvailable("the debugger gave no stack offset for this frame"),
        IP: f.ip,
        ReturnAddress: next ? next.ip : undefined,
        Symbol: f.symbol,
        Module: f.module ? f.module.name : notAvailable(noModule),
        Function: fn !== "" ? fn : notAvailable(f.module ? "no symbols cover " + f.symbol + " (.reload /f " + f.module.name + ", ln " + ipText + ")" : noModule),
        Verdict: "Info",
        Evidence: stackCommand$1(id) + " frame " + ("0" + f.index.toString(16)).slice(-2) + "; ln " + ipText,
        Source: "typed",
    };
}
function selectionText(total, kept, excluded, optText) {
    return total + " threads in the process, " + (kept + excluded) + " selected" + (excluded ? ", " + excluded + " left out by Exclude" : "") +
        (optText ? " (" + optText + ")" : "");
}
function info$7(text, source) {
    return { Verdict: "Info", Evidence: text, Source: source };
}

/**
 * What a thread is waiting for, from its top frames (patterns.md §3, user part): the first frames name
 * the wait API and the frames below it say what kind of wait it is. Shared by the stack-trace predicates
 * and the blocked/active/idle thread analyses so every analysis classifies a stack the same way.
 *
 * Rules are checked in two passes over the top frames: specific waits first (a critical section calls
 * NtWaitForAlertByThreadId too, so the RtlpWaitOnCriticalSection frame below decides), then the generic
 * system-call waits. Patterns use `*` wildcards on `module!Function` names (case-insensitive).
 */
/** Waits that say exactly what the thread waits for; checked first, top frame downwards. */
const SPECIFIC_WAITS = [
    { category: "critical-section", functions: ["ntdll!RtlpWaitOnCriticalSection", "ntdll!RtlpEnterCriticalSectionContended", "ntdll!RtlEnterCriticalSection"] },
    { category: "srw-lock", functions: ["ntdll!RtlAcquireSRWLockExclusive", "ntdll!RtlAcquireSRWLockShared", "ntdll!RtlpAcquireSRWLock*", "ntdll!RtlpWaitOnSRWLock*"] },
    { category: "condition-variable", functions: ["ntdll!RtlSleepConditionVariable*", "kernelbase!SleepConditionVariable*"] },
    { category: "message-box", functions: ["user32!MessageBox*", "user32!SoftModalMessageBox", "user32!DialogBox*", "comctl32!TaskDialog*"] },
    { category: "message-send", functions: ["user32!SendMessage*", "user32!SendMessageTimeout*", "user32!SendDlgItemMessage*"] },
    { category: "rpc-call", functions: ["rpcrt4!NdrClientCall*", "rpcrt4!NdrpClientCall*", "rpcrt4!I_RpcSendReceive", "rpcrt4!LRPC_CCALL::SendReceive", "combase!*ClientCall*", "combase!CRpcChannelBuffer::SendReceive*", "ole32!CRpcChannelBuffer::SendReceive*"] },
    { category: "alpc", functions: ["ntdll!NtAlpcSendWaitReceivePort", "ntdll!ZwAlpcSendWaitReceivePort"] },
    { category: "io", functions: [
            "ntdll!NtReadFile", "ntdll!NtWriteFile", "ntdll!NtDeviceIoControlFile", "ntdll!NtFsControlFile", "ntdll!NtCreateFile",
            "ntdll!NtFlushBuffersFile", "ntdll!NtQueryDirectoryFile*", "kernelbase!ReadFile", "kernelbase!WriteFile", "kernelbase!DeviceIoControl",
            "kernelbase!GetOverlappedResult*", "ws2_32!recv*", "ws2_32!send*", "ws2_32!WSARecv*", "ws2_32!WSASend*", "ws2_32!select", "ws2_32!connect",
            "mswsock!*",
        ] },
    { category: "sleep", functions: ["ntdll!NtDelayExecution", "ntdll!ZwDelayExecution", "kernelbase!SleepEx", "kernel32!Sleep", "kernelbase!Sleep"] },
    { category: "message-loop", functions: [
            "win32u!NtUserGetMessage", "user32!GetMessage*", "win32u!NtUserWaitMessage", "user32!WaitMessage", "win32u!NtUserMsgWaitForMultipleObjectsEx",
            "user32!MsgWaitForMultipleObjects*", "user32!RealMsgWaitForMultipleObjectsEx",
        ] },
    { category: "thread-pool-idle", functions: ["ntdll!NtWaitForWorkViaWorkerFactory", "ntdll!ZwWaitForWorkViaWorkerFactory"] },
    { category: "io-completion", functions: ["ntdll!NtRemoveIoCompletion*", "ntdll!ZwRemoveIoCompletion*", "kernelbase!GetQueuedCompletionStatus*"] },
    { category: "rpc-listen", functions: ["rpcrt4!LRPC_ADDRESS::*", "rpcrt4!*ListenThread*"] },
];
/** Generic waits: the wait is known, not what for. */
const GENERIC_WAITS = [
    { category: "sync-object", functions: [
            "ntdll!NtWaitForSingleObject", "ntdll!NtWaitForMultipleObjects*", "ntdll!ZwWaitForSingleObject", "ntdll!ZwWaitForMultipleObjects*",
            "ntdll!NtSignalAndWaitForSingleObject", "ntdll!NtWaitForKeyedEvent", "kernelbase!WaitForSingleObject*", "kernelbase!WaitForMultipleObjects*",
            "kernel32!WaitForSingleObject*", "kernel32!WaitForMultipleObjects*",
        ] },
    { category: "address-wait", functions: ["ntdll!RtlWaitOnAddress", "kernelbase!WaitOnAddress", "ntdll!NtWaitForAlertByThreadId", "ntdll!ZwWaitForAlertByThreadId"] },
];
/** System-call stubs: a thread whose frame 0 is one of these is inside the kernel (waiting or not). */
const SYSTEM_CALL_STUBS = ["ntdll!Nt*", "ntdll!Zw*", "win32u!Nt*", "wow64cpu!*"];
/** Categories that are a thread's normal idle state, not a hang. */
const IDLE_CATEGORIES = ["message-loop", "thread-pool-idle", "io-completion", "rpc-listen"];
function firstMatch(frames, rules, depth) {
    for (const frame of frames.slice(0, depth)) {
        if (!frame.hasSymbol)
            continue;
        for (const rule of rules) {
            for (const f of rule.functions)
                if (matchesFunction(frame.func, f))
                    return { rule, frame };
        }
    }
    return undefined;
}
/**
 * The topmost match can hide what a wait is for: a message box pumps in NtUserWaitMessage (a message
 * loop at the top), an RPC call or an RPC listener waits in NtAlpcSendWaitReceivePort. A deeper frame
 * of one of these categories (within the same depth) refines the category.
 */
const REFINEMENTS = {
    "message-loop": ["message-box"],
    "alpc": ["rpc-listen", "rpc-call"],
};
/** Classifies a thread's wait from its top `depth` frames. */
function classifyWait(stack, depth = 10) {
    const frames = stack.frames;
    if (!Array.isArray(frames))
        return { category: "unknown", frame: undefined, reason: "the stack could not be read" };
    const list = frames;
    if (list.length === 0)
        return { category: "unknown", frame: undefined, reason: "the thread has no frames" };
    const specific = firstMatch(list, SPECIFIC_WAITS, depth) ?? firstMatch(list, GENERIC_WAITS, depth);
    const refine = specific ? REFINEMENTS[specific.rule.category] : undefined;
    if (specific && refine) {
        const rules = SPECIFIC_WAITS.filter((r) => refine.indexOf(r.category) >= 0);
        const deeper = firstMatch(list.slice(specific.frame.index + 1), rules, depth - specific.frame.index - 1);
        if (deeper)
            return { category: deeper.rule.category, frame: deeper.frame, reason: deeper.frame.func + " (waiting in " + specific.frame.func + ")" };
    }
    if (specific)
        return { category: specific.rule.category, frame: specific.frame, reason: specific.frame.func };
    const top = list[0];
    if (!top.hasSymbol) {
        return { category: "unknown", frame: top, reason: "no symbols for the top frame (" + top.symbol + ")" };
    }
    if (SYSTEM_CALL_STUBS.some((p) => matchesFunction(top.func, p))) {
        return { category: "system-call", frame: top, reason: "in the system call " + top.func };
    }
    return { category: "running", frame: top, reason: "not in a wait: " + top.func };
}

/**
 * Unique stacks: threads grouped by identical stacks, with their thread ids and counts, most common
 * first (what `!uniqstack` and MEX `!us` print, as objects).
 *
 * The pattern (Stack Trace Collection, Unmanaged Space; its compact form is Vostokov's Unified Stack
 * Trace): in a process with hundreds of threads most stacks repeat (idle pool workers, message loops,
 * RPC listeners). Grouping them leaves the few distinct stacks to read, and a large group waiting in
 * the same place (many threads in one critical section, a pool exhausted by blocked work items) stands
 * out by its count.
 *
 * Detection: each thread's frames are read once per call and normalized to `module!function` without
 * offsets (frames without symbols keep `module+0xoffset`); threads whose normalized stacks are equal
 * form one group. With MaxFrames only the top frames are compared, so stacks that differ only deeper
 * down merge. Each group says what its threads wait for (the shared wait classification: critical
 * section, SRW lock, sync object, I/O, ALPC, sleep, message loop, thread-pool idle...). Threads whose
 * stack cannot be read are listed in one Info row.
 *
 * False positives: offsets are ignored, so calls from two places in the same functions form one group
 * (compare the Symbol column of StackTraceCollection); stacks the debugger unwound wrongly split groups.
 *
 * Options (a dx object `new { Threads = "0x1a4,0x2b0", MaxFrames = 5, Exclude = "ntdll!NtWaitForWorkViaWorkerFactory" }`,
 * or a string `"maxframes=5 exclude=ntdll!*Worker*,win32u"`): Threads keeps only these threads;
 * MaxFrames compares and shows the top frames only; Exclude leaves out threads with a frame matching
 * any of the `module!function` patterns (`*` wildcards; a module name alone matches any frame in it).
 *
 * @function UniqueStacks
 * @memberof Ewmda
 * @param {object|string} [options] `Threads` ("0x1a4,0x2b0"), `MaxFrames` (number), `Exclude` ("ntdll!*Worker*,win32u"); or a string such as `"maxframes=5"`.
 * @returns {ResultSet} One row per distinct stack, most common first: Count, Threads, FirstThread, Wait, WaitReason, TopFrame, FrameCount, Stack, Verdict, Evidence, Source.
 * @example dx @$ewmda.UniqueStacks()
 * @example dx @$ewmda.UniqueStacks()[0].Stack
 * @example dx -g @$ewmda.UniqueStacks(new { MaxFrames = 5 }).Where(g => g.Wait == "critical-section")
 * @example !ewmda.uniqstack
 * @example !ewmda.uniqstack "exclude=ntdll!NtWaitForWorkViaWorkerFactory"
 */
const uniqueStacks = defineAnalysis({
    meta: {
        name: "UniqueStacks",
        command: "uniqstack",
        summary: "Threads grouped by identical stacks, with thread ids, counts and wait kind, most common first",
        patterns: ["Stack Trace Collection (Unmanaged Space)"],
        targets: "user",
        triage: false,
        version: "1.0.0",
        params: [
            { name: "options", help: "Threads, MaxFrames, Exclude; or a string such as \"maxframes=5 exclude=ntdll!*Worker*\"", optional: true },
        ],
        options: [
            THREADS_OPTION,
            { name: "MaxFrames", type: "number", help: "compare and show the top frames only (stacks that differ deeper down merge)" },
            EXCLUDE_OPTION,
        ],
        columns: [
            { name: "Count", type: "int", help: "Threads with this stack" },
            { name: "Threads", type: "string", help: "Their thread ids (\"0x1a4, 0x2b0\")" },
            { name: "FirstThread", type: "hex", help: "The first of them, to look at with RawStack or ~~[id]kn", table: false },
            { name: "Wait", type: "string", help: "What the threads wait for: critical-section, srw-lock, sync-object, io, alpc, sleep, message-loop, thread-pool-idle, running, ..." },
            { name: "WaitReason", type: "string", help: "The frame that decided Wait, or why it could not be decided", table: false },
            { name: "TopFrame", type: "string", help: "Frame 0 as module!function" },
            { name: "FrameCount", type: "int", help: "Frames in the stack (compared frames with MaxFrames)" },
            { name: "Stack", type: "string", help: "The frames, module!function from the top, one per line", table: false },
        ],
    },
    *run(ctx, args) {
        const t = ctx.target;
        const bag = readOptions(args[0], STACK_OPTION_NAMES, "Threads");
        const opts = typeof bag === "string" ? bag : stackOptions(bag);
        if (typeof opts === "string") {
            ctx.summary("UniqueStacks: " + opts);
            yield info$6(opts, "heuristic");
            return;
        }
        const sel = selectStacks(t, opts);
        if (sel.missing.length)
            yield info$6(missingThreadText(sel.missing, t), "typed");
        // Group by signature; Object.create(null) so that no signature collides with a prototype member.
        const bySignature = Object.create(null);
        const groups = [];
        const unreadable = [];
        const max = opts.maxFrames;
        for (const s of sel.stacks) {
            if (!Array.isArray(s.frames) || s.frames.length === 0) {
                unreadable.push(s);
                continue;
            }
            const all = s.frames;
            const frames = max !== undefined && all.length > max ? all.slice(0, max) : all;
            const signature = frames === all ? s.signature : frames.map((f) => f.func).join("\n");
            let g = bySignature[signature];
            if (!g) {
                g = { order: groups.length, frames, members: [] };
                bySignature[signature] = g;
                groups.push(g);
            }
            g.members.push(s);
        }
        groups.sort((a, b) => b.members.length - a.members.length || a.order - b.order);
        for (const g of groups) {
            const ids = g.members.map((s) => s.thread.id);
            const wait = groupWait(g, max !== undefined);
            yield {
                Count: ids.length,
                Threads: ids.map(hexId).join(", "),
                FirstThread: ids[0],
                Wait: wait.category,
                WaitReason: wait.reason,
                TopFrame: g.frames[0].func,
                FrameCount: g.frames.length,
                Stack: g.frames.map((f) => f.func).join("\n"),
                Verdict: "Info",
                Evidence: stackCommand$1(ids[0]) + (ids.length > 1 ? " (the same stack on " + (ids.length - 1) + " more threads; !uniqstack)" : " (a stack no other thread has; !uniqstack)"),
                Source: "typed",
            };
        }
        if (unreadable.length) {
            const first = unreadable[0];
            const why = Array.isArray(first.frames) ? "thread " + hexId(first.thread.id) + " has no frames" : first.frames.reason;
            yield info$6(unreadable.length + " threads have no readable stack: " + unreadable.map((s) => hexId(s.thread.id)).join(", ") +
                " (first: " + why + "; " + stackCommand$1(first.thread.id) + ")", "typed");
        }
        const optText = describeOptions(opts);
        if (groups.length === 0 && unreadable.length === 0 && sel.missing.length === 0) {
            yield {
                Verdict: "Negative", Source: "typed",
                Evidence: "0 stacks: " + sel.total + " threads in the process, " + (sel.stacks.length + sel.excluded.length) + " selected" +
                    (sel.excluded.length ? ", " + sel.excluded.length + " left out by Exclude" : "") + (optText ? " (" + optText + ")" : "") + " (~*kn)",
            };
        }
        const grouped = sel.stacks.length - unreadable.length;
        const top = groups[0];
        ctx.summary("UniqueStacks: " + groups.length + " distinct stacks among " + grouped + " threads" +
            (top && top.members.length > 1 ? " (largest: " + top.members.length + " threads in " + top.frames[0].func + ")" : "") +
            (unreadable.length ? ", " + unreadable.length + " stacks unreadable" : "") +
            (sel.excluded.length ? ", " + sel.excluded.length + " threads left out by Exclude" : "") +
            (optText ? "; " + optText : ""));
    },
    rowText(row) {
        if (row.Count === undefined)
            return row.Verdict + ": " + row.Evidence;
        return row.Count + (row.Count === 1 ? " thread  " : " threads  ") + String(row.Wait) + "  " + String(row.TopFrame) + "  (" + String(row.Threads) + ")";
    },
});
/**
 * The group's wait kind. Without MaxFrames every member has the same functions, so one classification
 * holds for all; with it, members may differ below the compared frames, so each is classified and the
 * distinct kinds are listed, most common first.
 */
function groupWait(g, perMember) {
    if (!perMember) {
        const w = classifyWait(g.members[0]);
        return { category: w.category, reason: w.reason };
    }
    const counts = Object.create(null);
    const order = [];
    let reason = "";
    for (const s of g.members) {
        const w = classifyWait(s);
        if (counts[w.category] === undefined) {
            counts[w.category] = 0;
            order.push(w.category);
            if (!reason)
                reason = w.reason;
        }
        counts[w.category]++;
    }
    const firstSeen = order.slice();
    order.sort((a, b) => counts[b] - counts[a] || firstSeen.indexOf(a) - firstSeen.indexOf(b));
    if (order.length === 1)
        return { category: order[0], reason };
    return { category: order.join(", "), reason: order.map((c) => c + " (" + counts[c] + ")").join(", ") + " below the compared frames" };
}
function info$6(text, source) {
    return { Verdict: "Info", Evidence: text, Source: source };
}

const PREDICATE_NAMES = ["Frame", "Module", "Function", "TopFrame", "Wait"];
const ALL_NAMES = PREDICATE_NAMES.concat(STACK_OPTION_NAMES);
/**
 * Stack Trace Collection (Predicate): the threads whose stacks satisfy a condition a dx user writes:
 * a frame pattern, clauses on module, function, top frame, wait kind and thread ids, or a function.
 *
 * The pattern: a subset of the stack trace collection chosen by a predicate (stacks through a given
 * module or function, threads in a given kind of wait, a vendor's threads) turns thousands of stacks
 * into the few that matter; the classic tools are `!findstack module!symbol 2`, `!stacks 2 module!symbol`
 * and `~*e` with `.if`.
 *
 * Detection: each thread's frames are read once per call (symbolized once per distinct address) and
 * tested. A string is a `module!function` pattern (`*` wildcards) matched against every frame, or
 * `name=value` clauses (`"module=ntdll function=*Wait* wait=critical-section"`). An object takes the
 * clauses as properties: Frame (patterns, any frame), Module and Function (one frame matching both;
 * Module is the module name with or without extension), TopFrame (frame 0), Wait (wait kinds from the
 * shared classification: critical-section, srw-lock, condition-variable, address-wait, sync-object,
 * io, alpc, rpc-call, message-send, message-box, sleep, message-loop, thread-pool-idle, io-completion,
 * rpc-listen, system-call, running, unknown; "idle" stands for the idle kinds), plus Threads, Exclude
 * and MaxFrames as in StackTraceCollection. All given clauses must hold. A function (a dx lambda or a
 * script's function) gets one object per thread, `{ Thread, ThreadName, FrameCount, TopFrame, Wait,
 * Idle, Stack, Frames: [{ Index, Module, Function, Symbol, IP, ChildSP }] }` (Module is the file name
 * such as "ntdll.dll"; Module and Function are "" when unknown) and returns true to keep the thread; an
 * exception it throws becomes an Info row naming the thread. Threads whose stack cannot be read are not
 * tested and give an Info row each.
 *
 * False positives: with exports-only symbols, function names are the nearest export and can mislead;
 * frames without symbols only match module patterns or `module+0xoffset*` patterns.
 *
 * @function StackTraces
 * @memberof Ewmda
 * @param {string|object|function} [predicate] A `module!function` pattern; or `Frame`, `Module`, `Function`, `TopFrame`, `Wait`, `Threads`, `Exclude`, `MaxFrames`; or a function of a thread's stack object returning true to keep it.
 * @param {object|string} [options] `Threads`, `Exclude`, `MaxFrames` (as in StackTraceCollection), when the predicate is a pattern or a function.
 * @returns {ResultSet} One row per matching thread: Thread, ThreadName, FrameCount, TopFrame, MatchedFrame, MatchedBy, Wait, WaitReason, Stack, Verdict, Evidence, Source.
 * @example dx @$ewmda.StackTraces("ntdll!NtWaitFor*")
 * @example dx @$ewmda.StackTraces(new { Module = "ntdll", Function = "*Wait*", Threads = "0x1a4,0x2b0", Wait = "critical-section" })
 * @example dx @$ewmda.StackTraces(s => s.Frames.Any(f => f.Module == "app.exe") && s.Wait != "thread-pool-idle")
 * @example dx @$ewmda.StackTraces("app!*", new { MaxFrames = 5, Exclude = "win32u" })
 * @example !ewmda.stacktraces "ntdll!NtWaitFor*"
 * @example !ewmda.stacktraces "wait=critical-section,srw-lock"
 */
const stackTraces = defineAnalysis({
    meta: {
        name: "StackTraces",
        command: "stacktraces",
        summary: "Threads whose stacks match a predicate: a module!function pattern, clauses (module, function, wait kind, threads) or a function",
        patterns: ["Stack Trace Collection (Predicate)"],
        targets: "user",
        triage: false,
        version: "1.0.0",
        params: [
            { name: "predicate", help: "\"module!function\" pattern; or Frame, Module, Function, TopFrame, Wait, Threads, Exclude, MaxFrames; or a function of a stack object", optional: true },
            { name: "options", help: "Threads, Exclude, MaxFrames (with a pattern or function predicate)", optional: true },
        ],
        options: [
            { name: "Frame", type: "string", help: "module!function patterns (* wildcards), any frame matches any of them" },
            { name: "Module", type: "string", help: "a frame in this module (name with or without extension; * wildcards)" },
            { name: "Function", type: "string", help: "a frame in this function (with Module: the same frame)" },
            { name: "TopFrame", type: "string", help: "module!function patterns frame 0 must match" },
            { name: "Wait", type: "string", help: "wait kinds (critical-section, sync-object, io, sleep, ..., or idle)" },
            THREADS_OPTION,
            EXCLUDE_OPTION,
            { name: "MaxFrames", type: "number", help: "frames shown in Stack (matching uses the whole stack)" },
        ],
        columns: [
            { name: "Thread", type: "hex", help: "Thread id" },
            { name: "ThreadName", type: "string", help: "Thread description (SetThreadDescription), when the dump has one", table: false },
            { name: "FrameCount", type: "int", help: "Frames in the thread's stack" },
            { name: "TopFrame", type: "string", help: "Frame 0 (module!function+0xoffset)" },
            { name: "MatchedFrame", type: "string", help: "The frame that satisfied the frame clause (with its number)" },
            { name: "MatchedBy", type: "string", help: "Which clauses matched, and where", table: false },
            { name: "Wait", type: "string", help: "What the thread waits for (shared wait classification)" },
            { name: "WaitReason", type: "string", help: "The frame that decided Wait, or why it could not be decided", table: false },
            { name: "Stack", type: "string", help: "The frames from the top (module!function+0xoffset), one per line (top MaxFrames)", table: false },
        ],
        settings: {
            MaxPredicateErrors: {
                default: 10,
                help: "Threads whose predicate call threw that get their own Info row; the rest are counted in one row",
                reason: "a broken predicate throws on every thread; ten rows show the pattern without burying the matches",
            },
        },
    },
    *run(ctx, args) {
        const t = ctx.target;
        const parsed = parseArguments$2(args);
        if (typeof parsed === "string") {
            ctx.summary("StackTraces: " + parsed);
            yield info$5(parsed, "heuristic");
            return;
        }
        const { clauses, opts } = parsed;
        const sel = selectStacks(t, opts);
        if (sel.missing.length)
            yield info$5(missingThreadText(sel.missing, t), "typed");
        let matched = 0;
        let tested = 0;
        let unreadable = 0;
        let errors = 0;
        const maxErrors = ctx.settings.MaxPredicateErrors;
        for (const stack of sel.stacks) {
            const id = stack.thread.id;
            if (!Array.isArray(stack.frames) || stack.frames.length === 0) {
                unreadable++;
                const why = Array.isArray(stack.frames) ? "thread " + hexId(id) + " has no frames" : stack.frames.reason;
                yield info$5(why + "; not tested against " + clauses.text + " (" + stackCommand$1(id) + ")", "typed");
                continue;
            }
            const frames = stack.frames;
            tested++;
            const wait = classifyWait(stack);
            let hit;
            if (clauses.fn) {
                let result;
                try {
                    result = clauses.fn(stackObject(stack, frames, wait, opts.maxFrames));
                }
                catch (e) {
                    errors++;
                    if (errors <= maxErrors)
                        yield info$5("the predicate threw on thread " + hexId(id) + ": " + errorMessage(e) + "; the thread is left out", "heuristic");
                    continue;
                }
                if (result)
                    hit = { frame: undefined, by: "predicate function" };
            }
            else {
                hit = matchClauses(clauses, frames, wait);
            }
            if (!hit)
                continue;
            matched++;
            const shown = opts.maxFrames !== undefined && frames.length > opts.maxFrames ? frames.slice(0, opts.maxFrames) : frames;
            yield {
                Thread: id,
                ThreadName: threadName(stack.thread),
                FrameCount: frames.length,
                TopFrame: frames[0].symbol,
                MatchedFrame: hit.frame ? "#" + frameNumber(hit.frame) + " " + hit.frame.symbol : undefined,
                MatchedBy: hit.by,
                Wait: wait.category,
                WaitReason: wait.reason,
                Stack: shown.map((f) => f.symbol).join("\n") + (shown.length < frames.length ? "\n... " + (frames.length - shown.length) + " more frames" : ""),
                Verdict: "Info",
                Evidence: stackCommand$1(id) + (hit.frame ? " frame " + frameNumber(hit.frame) + " is " + hit.frame.symbol : " (" + wait.reason + ")"),
                Source: "typed",
            };
        }
        if (errors > maxErrors) {
            yield info$5("the predicate threw on " + (errors - maxErrors) + " more threads (Config.StackTraces.MaxPredicateErrors = " + maxErrors + ")", "heuristic");
        }
        const optText = describeOptions(opts);
        const scope = sel.total + " threads in the process" + (sel.excluded.length ? ", " + sel.excluded.length + " left out by Exclude" : "") +
            (optText ? " (" + optText + ")" : "");
        if (matched === 0 && tested > 0 && errors < tested) {
            yield {
                Verdict: "Negative", Source: "typed",
                Evidence: "0 of " + tested + " threads match " + clauses.text + "; " + scope + commandHint(clauses),
            };
        }
        else if (tested === 0 && unreadable === 0 && sel.missing.length === 0) {
            yield { Verdict: "Negative", Source: "typed", Evidence: "0 threads to test against " + clauses.text + ": " + scope };
        }
        ctx.summary("StackTraces: " + matched + " of " + tested + " threads match " + clauses.text +
            (unreadable ? ", " + unreadable + " stacks unreadable" : "") + (errors ? ", the predicate threw on " + errors : "") + "; " + scope);
    },
    rowText(row) {
        if (row.Thread === undefined)
            return row.Verdict + ": " + row.Evidence;
        return hexId(row.Thread) + "  " + String(row.Wait) + "  " + String(row.MatchedFrame !== undefined ? row.MatchedFrame : row.TopFrame);
    },
});
function frameNumber(f) {
    return ("0" + f.index.toString(16)).slice(-2);
}
/** All given clauses must hold; the frame reported is the first frame clause's match. */
function matchClauses(c, frames, wait) {
    const by = [];
    let frame;
    if (c.sameFrame.length) {
        let f;
        for (const x of frames)
            if (c.sameFrame.every((p) => frameMatches(x, p))) {
                f = x;
                break;
            }
        if (!f)
            return undefined;
        frame = f;
        by.push(c.sameFrame.map((p) => p.text).join(" and ") + " at #" + frameNumber(f));
    }
    if (c.frame.length) {
        const m = firstMatchingFrame(frames, c.frame);
        if (!m)
            return undefined;
        if (!frame)
            frame = m.frame;
        by.push("Frame " + m.pattern.text + " at #" + frameNumber(m.frame));
    }
    if (c.top.length) {
        const top = frames[0];
        const p = c.top.find((x) => frameMatches(top, x));
        if (!p)
            return undefined;
        if (!frame)
            frame = top;
        by.push("TopFrame " + p.text);
    }
    if (c.wait) {
        if (c.wait.indexOf(wait.category) < 0)
            return undefined;
        if (!frame)
            frame = wait.frame;
        by.push("Wait " + wait.category + " (" + wait.reason + ")");
    }
    return { frame, by: by.length ? by.join("; ") : "no predicate: every thread" };
}
/**
 * What a predicate function gets for one thread: plain values, strings never undefined. ThreadName and
 * each frame's ChildSP are getters, so a predicate that does not look at them costs no host call for them.
 */
function stackObject(stack, frames, wait, maxFrames) {
    const shown = maxFrames !== undefined && frames.length > maxFrames ? frames.slice(0, maxFrames) : frames;
    const view = {
        Thread: stack.thread.id,
        FrameCount: frames.length,
        TopFrame: frames[0].symbol,
        Wait: wait.category,
        Idle: IDLE_CATEGORIES.indexOf(wait.category) >= 0,
        Stack: shown.map((f) => f.symbol).join("\n"),
        Frames: frames.map((f) => {
            const frame = { Index: f.index, Module: f.module ? f.module.name : "", Function: functionName(f), Symbol: f.symbol, IP: f.ip };
            Object.defineProperty(frame, "ChildSP", { get: () => f.sp, enumerable: true });
            return frame;
        }),
    };
    Object.defineProperty(view, "ThreadName", { get: () => threadName(stack.thread) || "", enumerable: true });
    return view;
}
function waitCategories() {
    const out = [];
    for (const r of SPECIFIC_WAITS.concat(GENERIC_WAITS))
        if (out.indexOf(r.category) < 0)
            out.push(r.category);
    return out.concat(["system-call", "running", "unknown"]);
}
/** (predicate?, options?) → clauses and stack options, or a message. */
function parseArguments$2(args) {
    let pred = args[0];
    const extra = args[1];
    let fn;
    let bag = {};
    if (typeof pred === "function") {
        fn = pred;
        pred = undefined;
    }
    if (typeof pred === "number" || isInt64(pred)) {
        bag.Threads = pred;
    }
    else if (pred !== undefined && pred !== null) {
        const b = readOptions(pred, ALL_NAMES, "Frame");
        if (typeof b === "string")
            return b;
        if (typeof pred === "object" && !PREDICATE_NAMES.concat(STACK_OPTION_NAMES).some((n) => b[n] !== undefined)) {
            return "the predicate object has none of " + ALL_NAMES.join(", ") + " (names are case-sensitive: new { Module = \"ntdll\" })";
        }
        bag = b;
    }
    if (extra !== undefined && extra !== null) {
        const b = readOptions(extra, STACK_OPTION_NAMES, "Threads");
        if (typeof b === "string")
            return "options: " + b;
        for (const k of Object.keys(b))
            if (bag[k] === undefined)
                bag[k] = b[k];
    }
    const opts = stackOptions(bag);
    if (typeof opts === "string")
        return opts;
    const parts = [];
    let frame = [];
    if (bag.Frame !== undefined) {
        const p = parseFramePatterns(bag.Frame, "Frame");
        if (typeof p === "string")
            return p;
        frame = p;
        parts.push("Frame = " + p.map((x) => x.text).join(","));
    }
    const sameFrame = [];
    if (bag.Module !== undefined) {
        const m = String(bag.Module).trim();
        if (m === "" || m.indexOf("!") >= 0)
            return "Module is a module name such as ntdll or ntdll.dll, not \"" + m + "\" (use Frame for module!function)";
        sameFrame.push({ text: "Module " + m, module: m.toLowerCase(), func: undefined, symbol: undefined });
        parts.push("Module = " + m);
    }
    if (bag.Function !== undefined) {
        const text = String(bag.Function).trim();
        const p = parseFramePattern(text.indexOf("!") >= 0 ? text : "*!" + text);
        if (typeof p === "string")
            return "Function: " + p;
        sameFrame.push({ text: "Function " + text, module: p.module, func: p.func, symbol: p.symbol });
        parts.push("Function = " + text);
    }
    let top = [];
    if (bag.TopFrame !== undefined) {
        const p = parseFramePatterns(bag.TopFrame, "TopFrame");
        if (typeof p === "string")
            return p;
        top = p;
        parts.push("TopFrame = " + p.map((x) => x.text).join(","));
    }
    let wait;
    if (bag.Wait !== undefined) {
        const known = waitCategories();
        wait = [];
        for (const item of listItems(bag.Wait, true)) {
            const w = String(item).toLowerCase();
            if (w === "idle") {
                for (const c of IDLE_CATEGORIES)
                    wait.push(c);
                continue;
            }
            if (known.indexOf(w) < 0)
                return "unknown wait kind \"" + String(item) + "\" (kinds: " + known.join(", ") + ", or idle)";
            wait.push(w);
        }
        parts.push("Wait = " + listItems(bag.Wait, true).join(","));
    }
    const text = fn ? "the predicate function" : parts.length ? parts.join(", ") : "no predicate (every thread)";
    return { clauses: { frame, sameFrame, top, wait, fn, text }, opts };
}
/** The classic command for the same question, when there is one. */
function commandHint(c) {
    if (c.frame.length === 1)
        return " (!findstack " + c.frame[0].text + " 2)";
    return " (~*kn)";
}
function info$5(text, source) {
    return { Verdict: "Info", Evidence: text, Source: source };
}

/**
 * Is a code address a plausible return address? Only if the instruction right before it is a call.
 * x86/x64: `E8 rel32`, and `FF /2` (call near indirect) in all its ModRM/SIB/displacement forms, with an
 * optional REX prefix on x64. ARM64: BL, BLR and the pointer-authenticated BLRAA/BLRAB/…Z forms.
 * (Intel SDM vol. 2 "CALL"; Arm ARM C6 "BL", "BLR", "BLRAA".)
 */
/** How many bytes before a return address to read for `endsWithCall`. */
/** Length of the x86/x64 call instruction starting at `start`, or 0 if none. */
function callLength(b, start, x64) {
    let i = start;
    const op = b[i];
    if (op === 0xe8)
        return i + 5 - start;
    if (op !== 0xff)
        return 0;
    const modrm = b[i + 1];
    if (modrm === undefined || ((modrm >> 3) & 7) !== 2)
        return 0;
    const mod = modrm >> 6;
    const rm = modrm & 7;
    let len = 2;
    if (mod !== 3 && rm === 4) {
        const sib = b[i + 2];
        if (sib === undefined)
            return 0;
        len++;
        if (mod === 0 && (sib & 7) === 5)
            len += 4;
    }
    if (mod === 0 && rm === 5)
        len += 4;
    else if (mod === 1)
        len += 1;
    else if (mod === 2)
        len += 4;
    return i + len - start;
}
/**
 * True when `before` (the bytes immediately preceding a candidate return address, `callWindow(arch)`
 * of them) ends with a complete call instruction.
 */
function endsWithCall(before, arch) {
    const n = before.length;
    for (let len = 2; len <= 7 && len <= n; len++) {
        if (callLength(before, n - len) === len)
            return true;
    }
    return false;
}

/**
 * Frames of threads that write dumps or break into the process for a debugger (not the process's own
 * work): dbghelp/dbgcore, WER, the debugger's break-in thread, Breakpad and Crashpad handlers.
 */
const DUMP_WRITER_FUNCTIONS = [
    "*!MiniDumpWriteDump*", "dbgcore", "faultrep", "*!WerpReportFault*", "ntdll!DbgUiRemoteBreakin",
    "*!google_breakpad::ExceptionHandler::*", "*!crashpad::*",
];
/** x86 stub return point after `sysenter` (XP-era `KiFastSystemCall`), not named Nt*. */
const EXTRA_STUBS = ["ntdll!KiFastSystemCallRet"];
/** The system-call instruction that ends right before the IP, or undefined. */
function syscallBefore(before, arch) {
    const n = before.length;
    if (arch === "arm64") {
        if (n < 4)
            return undefined;
        const w = (before[n - 4] | (before[n - 3] << 8) | (before[n - 2] << 16) | (before[n - 1] << 24)) >>> 0;
        // SVC #imm16: 1101 0100 000 imm16 000 01 (Arm ARM C6 "SVC").
        return ((w & 0xffe0001f) >>> 0) === 0xd4000001 ? "svc" : undefined;
    }
    if (n < 2)
        return undefined;
    const a = before[n - 2];
    const b = before[n - 1];
    if (a === 0xcd && b === 0x2e)
        return "int 2e";
    if (arch === "x64" && a === 0x0f && b === 0x05)
        return "syscall";
    if (arch === "x86" && a === 0x0f && b === 0x34)
        return "sysenter";
    return undefined;
}
/** Frame patterns from a settings list; patterns that make no sense are skipped. */
function framePatterns(list) {
    const out = [];
    for (const s of list) {
        const p = parseFramePattern(s);
        if (typeof p !== "string")
            out.push(p);
    }
    return out;
}
/** The first frame (top down) matching any pattern, or undefined (also for unreadable stacks). */
function findFrame(stack, patterns) {
    if (!Array.isArray(stack.frames) || patterns.length === 0)
        return undefined;
    for (const f of stack.frames) {
        for (const p of patterns)
            if (frameMatches(f, p))
                return f;
    }
    return undefined;
}
function isStub(f) {
    if (!f.hasSymbol)
        return false;
    for (const p of SYSTEM_CALL_STUBS)
        if (matchesFunction(f.func, p))
            return true;
    for (const p of EXTRA_STUBS)
        if (matchesFunction(f.func, p))
            return true;
    return false;
}
/** Classifies threads; code bytes are read once per distinct IP (threads in the same stub share them). */
class ActivityClassifier {
    target;
    bytesCache = {};
    arch;
    constructor(target) {
        this.target = target;
        this.arch = target.architecture();
    }
    codeBefore(top) {
        const [hi, lo] = halvesOf(top.ip);
        const key = hi + ":" + lo;
        let b = this.bytesCache[key];
        if (b === undefined) {
            const wide = this.arch === "arm64" ? 4 : 8;
            b = this.target.readBytes(addTo(top.ip, -wide), wide) || null;
            // The wide window may reach into a page that is not in the dump; the syscall check needs only 2 bytes.
            if (!b && this.arch !== "arm64")
                b = this.target.readBytes(addTo(top.ip, -2), 2) || null;
            this.bytesCache[key] = b;
        }
        return b || undefined;
    }
    classify(stack) {
        if (!Array.isArray(stack.frames)) {
            return { activity: "unknown", top: undefined, checked: "none", instruction: undefined, reason: stack.frames.reason };
        }
        const frames = stack.frames;
        const top = frames[0];
        if (!top)
            return { activity: "unknown", top: undefined, checked: "none", instruction: undefined, reason: "the thread has no frames" };
        const where = top.symbol;
        const bytes = this.codeBefore(top);
        if (bytes) {
            const insn = syscallBefore(bytes, this.arch);
            if (insn) {
                const outside = isStub(top) || !top.hasSymbol ? "" : " (outside the system-call stubs: a direct system call or a patched stub)";
                return { activity: "system-call", top, checked: "bytes", instruction: insn, reason: "IP right after " + insn + " in " + where + outside };
            }
            if (this.arch === "x86" && isStub(top) && bytes.length >= 8 && endsWithCall(bytes)) {
                return { activity: "system-call", top, checked: "bytes", instruction: "call", reason: "IP after the call to the system-call gate in " + where + " (WOW64 or sysenter stub)" };
            }
            return { activity: "active", top, checked: "bytes", instruction: undefined, reason: "no system-call instruction right before the IP (" + where + ")" };
        }
        if (isStub(top)) {
            return { activity: "system-call", top, checked: "symbol", instruction: undefined, reason: "frame 0 is the system-call stub " + top.func + " (code bytes not in the dump: byte check skipped)" };
        }
        if (top.hasSymbol) {
            return { activity: "active", top, checked: "symbol", instruction: undefined, reason: "frame 0 is " + where + ", not a system-call stub (code bytes not in the dump: byte check skipped)" };
        }
        const m = top.module;
        const sys = m ? m.symbolName.toLowerCase() : "";
        if (sys === "ntdll" || sys === "win32u") {
            return { activity: "unknown", top, checked: "none", instruction: undefined,
                reason: "frame 0 " + where + " has no symbol and the code is not in the dump: it may be a system-call stub (.reload /f " + m.name + ")" };
        }
        return { activity: "active", top, checked: "symbol", instruction: undefined,
            reason: "frame 0 " + where + (m ? " is outside the system-call modules" : " is outside every module") + " (code bytes not in the dump: byte check skipped)" };
    }
}
/**
 * Boolean options of the thread-state analyses, from a dx object (`new { All = true }`) or a string
 * (`"all"`, `"all=false"`, several separated by spaces or commas). A message when they make no sense.
 */
function readFlags(arg, names) {
    const out = {};
    for (const n of names)
        out[n] = false;
    if (arg === undefined || arg === null)
        return out;
    const truth = (v, name) => {
        if (v === true || v === 1 || (typeof v === "string" && /^(true|yes|1)$/i.test(v.trim())))
            return true;
        if (v === false || v === 0 || (typeof v === "string" && /^(false|no|0)$/i.test(v.trim())))
            return false;
        return name + " must be true or false, not " + String(v);
    };
    if (typeof arg === "string") {
        for (const part of arg.split(/[\s,;]+/)) {
            if (part === "")
                continue;
            const eq = part.indexOf("=");
            const key = (eq >= 0 ? part.slice(0, eq) : part).toLowerCase();
            const name = names.filter((n) => n.toLowerCase() === key)[0];
            if (!name)
                return "unknown option \"" + part + "\" (options: " + names.join(", ") + ")";
            const v = eq >= 0 ? truth(part.slice(eq + 1), name) : true;
            if (typeof v === "string")
                return v;
            out[name] = v;
        }
        return out;
    }
    if (typeof arg === "object") {
        for (const n of names) {
            let v;
            try {
                v = arg[n];
            }
            catch (e) {
                v = undefined;
            }
            if (v === undefined || v === null)
                continue;
            const b = truth(v, n);
            if (typeof b === "string")
                return b;
            out[n] = b;
        }
        return out;
    }
    return "options must be an object such as new { " + names[0] + " = true } or a string such as \"" + names[0].toLowerCase() + "\", not " + String(arg);
}
/** Modules whose frames are the OS's plumbing around a call, not the code that decided to make it. */
const SYSTEM_MODULES$1 = ["ntdll", "kernelbase", "kernel32", "win32u", "user32", "rpcrt4", "combase", "ole32", "wow64*"];
function isSystemFrame(f, modules) {
    const m = f.module;
    if (!m)
        return false;
    const name = m.symbolName.toLowerCase();
    for (const p of modules)
        if (globMatch(name, p.toLowerCase()))
            return true;
    return false;
}
/** The first frame at or after `from` that is not in a system module (the code that made the call), or undefined. */
function firstNonSystemFrame(frames, from, modules) {
    for (let i = from; i < frames.length; i++)
        if (!isSystemFrame(frames[i], modules))
            return frames[i];
    return undefined;
}

/**
 * Blocked Thread (software, user part): threads waiting in a way that stops progress (a lock, an
 * IPC reply, a window message, a message box, I/O), with the function that decided to wait.
 *
 * The pattern: almost every thread waits; what matters is a wait that differs from the thread's normal
 * (reference) stack. Thread-pool workers waiting for work, message loops, RPC listeners and I/O
 * completion waits are idle, not blocked. What is left, a thread in a critical section, an SRW lock, an
 * ALPC/RPC call, a SendMessage or a message box, usually explains a hang; sync-object, I/O and sleep
 * waits are context (they may be normal).
 *
 * Detection: each thread's top `Config.BlockedThreads.WaitDepth` frames are classified by the shared
 * wait rules (critical section, SRW lock, condition variable, address wait, sync object, I/O, ALPC,
 * RPC call, message send, message box, sleep, system call). Idle threads are left out and counted:
 * categories in `IdleCategories` (message loop, thread-pool idle, I/O completion, RPC listen), and
 * threads whose frames from the wait down to the blocking function match `IdleFunctions` (thread-pool
 * waiter threads, the service dispatcher, COM's cached RPC threads, CLR finalizer/debugger/thread-pool
 * threads). The blocking function is the first frame below the wait that is not OS plumbing
 * (`SystemModules`: ntdll, kernelbase, kernel32, win32u, user32, and rpcrt4/combase/ole32 around RPC
 * and COM calls): the caller that decided to wait. Dump-writer threads (ActiveThreads'
 * DumpWriterFunctions) are left out. Threads that wait at the same place are counted (SameWait):
 * several threads behind one critical section is contention.
 *
 * Verdict: Suspicious for `HangCategories` (critical section, SRW lock, message send, message box,
 * ALPC, RPC call), Info for the other waits, Negative when no thread is blocked.
 *
 * False positives: user dumps carry no wait times, so a wait that had just begun looks the same as one
 * that lasted minutes (take a second dump: Step Dumps). Without symbols for ntdll the wait cannot be
 * classified (the thread is counted as unclassified). A product's own idle threads (a worker waiting on
 * its queue event) show as sync-object waits until their blocking function is added to IdleFunctions.
 *
 * Options (a dx object `new { IncludeIdle = true }` or the string `"includeidle"`): IncludeIdle also
 * lists the idle threads (Verdict Info).
 *
 * @function BlockedThreads
 * @memberof Ewmda
 * @param {object|string} [options] `IncludeIdle` (bool): also list idle threads; or the string `"includeidle"`.
 * @returns {ResultSet} One row per blocked thread: Thread, Category, WaitFunction, BlockingFunction, SameWait, MainThread, TopFrames, Verdict, Evidence, Source.
 * @example dx @$ewmda.BlockedThreads()
 * @example dx -g @$ewmda.BlockedThreads().Where(r => r.Category == "critical-section")
 * @example dx @$ewmda.BlockedThreads(new { IncludeIdle = true })
 * @example !ewmda.blocked
 */
const blockedThreads = defineAnalysis({
    meta: {
        name: "BlockedThreads",
        command: "blocked",
        summary: "Threads blocked in a lock, IPC call, window message, message box, I/O or other wait, idle threads left out",
        patterns: ["Blocked Thread (software)"],
        targets: "user",
        version: "1.0.0",
        params: [{ name: "options", help: "IncludeIdle: also list idle threads; or the string \"includeidle\"", optional: true }],
        options: [{ name: "IncludeIdle", type: "bool", help: "also list the idle threads (thread-pool workers, message loops, RPC listeners, I/O completion waits)" }],
        columns: [
            { name: "Thread", type: "hex", help: "Thread id" },
            { name: "Category", type: "string", help: "What the thread waits for: critical-section, srw-lock, condition-variable, address-wait, sync-object, io, alpc, rpc-call, message-send, message-box, sleep, system-call (or an idle category)" },
            { name: "WaitFunction", type: "string", help: "The frame that decided the category (the wait API)" },
            { name: "BlockingFunction", type: "string", help: "The first frame below the wait that is not OS plumbing: the code that decided to wait" },
            { name: "SameWait", type: "int", help: "Threads (this one included) waiting in the same category at the same blocking function" },
            { name: "MainThread", type: "bool", help: "The process's first thread (usually the main or UI thread)" },
            { name: "TopFrames", type: "string", help: "Frames from the top down to the blocking function", table: false },
        ],
        settings: {
            WaitDepth: {
                default: 10,
                help: "Frames from the top examined to classify a wait",
                reason: "wait APIs sit in the top few frames; a deeper look starts matching the callers' own waits",
            },
            IdleCategories: {
                default: IDLE_CATEGORIES,
                help: "Wait categories that are a thread's normal idle state (left out)",
                reason: "message loops, thread-pool workers waiting for work, I/O completion ports and RPC listeners wait by design",
            },
            IdleFunctions: {
                default: [
                    "ntdll!TppWorkerThread", "ntdll!TppWaiterpThread", "sechost!ScDispatcherLoop", "*!CRpcThreadCache::RpcWorkerThreadEntry",
                    "*clr!FinalizerThread::*", "*clr!DebuggerRCThread::*", "*clr!ThreadpoolMgr::*",
                ],
                help: "Frame patterns (module!function, * wildcards) that mark an idle wait when they appear between the wait and the blocking function",
                reason: "thread-pool waiter threads, the service control dispatcher, COM's cached RPC threads and CLR service threads wait for work; add your product's reference stacks here",
            },
            SystemModules: {
                default: SYSTEM_MODULES$1,
                help: "Modules (symbol names, * wildcards) skipped when looking for the blocking function",
                reason: "ntdll, kernelbase, kernel32, win32u and user32 implement the wait; rpcrt4, combase, ole32 and WOW64 carry the call; the caller below them decided to wait",
            },
            HangCategories: {
                default: ["critical-section", "srw-lock", "message-send", "message-box", "alpc", "rpc-call"],
                help: "Wait categories reported as Suspicious (the rest are Info)",
                reason: "waits on locks, cross-thread and cross-process calls and modal UI are the usual cause of a hang; sync-object, I/O and sleep waits are often normal",
            },
        },
    },
    *run(ctx, args) {
        const t = ctx.target;
        const cfg = ctx.settings;
        const flags = readFlags(args[0], ["IncludeIdle"]);
        if (typeof flags === "string") {
            ctx.summary("BlockedThreads: " + flags);
            yield info$4(flags, "heuristic");
            return;
        }
        if (t.isKernel()) {
            ctx.summary("BlockedThreads: user-mode analysis");
            yield info$4("BlockedThreads reads user-mode threads; this is a kernel target (use !stacks 2 or !process 0 17, or open a user dump of the process)", "heuristic");
            return;
        }
        const idleFunctions = framePatterns(cfg.IdleFunctions);
        const writerList = ctx.config.ActiveThreads ? ctx.config.ActiveThreads.DumpWriterFunctions : DUMP_WRITER_FUNCTIONS;
        const writers = framePatterns(writerList || DUMP_WRITER_FUNCTIONS);
        const threads = t.threads();
        const firstId = threads.length ? threads[0].id : undefined;
        const blocked = [];
        const idle = {};
        const idleRows = [];
        const unclassified = [];
        let running = 0;
        let writerCount = 0;
        for (const thread of threads) {
            const stack = t.threadStack(thread);
            if (findFrame(stack, writers)) {
                writerCount++;
                continue;
            }
            const wc = classifyWait(stack, cfg.WaitDepth);
            const frames = Array.isArray(stack.frames) ? stack.frames : [];
            if (wc.category === "running") {
                running++;
                continue;
            }
            if (wc.category === "unknown" || !wc.frame) {
                unclassified.push(hexId(thread.id) + " (" + wc.reason + ")");
                continue;
            }
            const blocking = firstNonSystemFrame(frames, wc.frame.index + 1, cfg.SystemModules);
            let idleWhy;
            if (cfg.IdleCategories.indexOf(wc.category) >= 0)
                idleWhy = wc.category;
            else {
                const last = blocking ? blocking.index : frames.length - 1;
                for (let i = wc.frame.index; i <= last && !idleWhy; i++) {
                    const f = frames[i];
                    if (idleFunctions.some((p) => frameMatches(f, p)))
                        idleWhy = "idle function " + f.func;
                }
            }
            if (idleWhy) {
                const label = wc.category + (idleWhy === wc.category ? "" : " (" + idleWhy + ")");
                idle[label] = (idle[label] || 0) + 1;
                if (flags.IncludeIdle) {
                    idleRows.push(blockedRow(thread.id, wc, frames, blocking, 1, thread.id === firstId, "Info", "idle reference stack (" + idleWhy + "): " + wc.frame.symbol + " in frame " + wc.frame.index + "; " + stackCommand$1(thread.id)));
                }
                continue;
            }
            const key = wc.category + "|" + (blocking ? blocking.func : wc.frame.func);
            blocked.push({ id: thread.id, wc, frames, blocking, key });
        }
        const same = {};
        for (const b of blocked)
            same[b.key] = (same[b.key] || 0) + 1;
        let suspicious = 0;
        for (const b of blocked) {
            const hang = cfg.HangCategories.indexOf(b.wc.category) >= 0;
            if (hang)
                suspicious++;
            const n = same[b.key];
            const main = b.id === firstId;
            const evidence = b.wc.frame.symbol + " in frame " + b.wc.frame.index +
                (b.blocking ? ", called from " + b.blocking.symbol : ", no caller outside the OS modules") +
                (n > 1 ? "; " + n + " threads wait here" : "") + (main ? "; the main thread" : "") + "; " + command(b.id, b.wc.category);
            yield blockedRow(b.id, b.wc, b.frames, b.blocking, n, main, hang ? "Suspicious" : "Info", evidence);
        }
        for (const r of idleRows)
            yield r;
        const idleTotal = Object.keys(idle).reduce((s, k) => s + idle[k], 0);
        const idleText = idleTotal + " idle" + (idleTotal ? " (" + Object.keys(idle).sort().map((k) => idle[k] + " " + k).join(", ") + ")" : "");
        const counts = idleText + ", " + running + " not waiting" + (writerCount ? ", " + writerCount + " dump writer" : "") +
            (unclassified.length ? ", " + unclassified.length + " unclassified" : "");
        if (unclassified.length) {
            yield info$4(unclassified.length + " thread(s) could not be classified: " + unclassified.slice(0, 6).join("; ") + (unclassified.length > 6 ? "; ..." : "") +
                " (.reload /f ntdll.dll, then ~*k)", "heuristic");
        }
        if (blocked.length === 0) {
            yield { Verdict: "Negative", Source: "heuristic", Evidence: "0 blocked threads among " + threads.length + " (" + counts + "; ~*k, !uniqstack)" };
        }
        ctx.summary("BlockedThreads: " + blocked.length + " blocked (" + suspicious + " suspicious) among " + threads.length + " threads; " + counts);
    },
    rowText(row) {
        if (row.Category === undefined)
            return row.Verdict + ": " + row.Evidence;
        return hexId(row.Thread) + " " + String(row.Category) + " " + String(row.BlockingFunction ?? row.WaitFunction ?? "");
    },
});
function blockedRow(id, wc, frames, blocking, same, main, verdict, evidence) {
    const last = blocking ? blocking.index : Math.min(frames.length - 1, wc.frame.index + 4);
    return {
        Thread: id,
        Category: wc.category,
        WaitFunction: wc.frame ? wc.frame.symbol : undefined,
        BlockingFunction: blocking ? blocking.symbol : undefined,
        SameWait: same,
        MainThread: main,
        TopFrames: frames.slice(0, last + 1).map((f) => f.symbol).join(" <- "),
        Verdict: verdict,
        Evidence: evidence,
        Source: "heuristic",
    };
}
/** The classic command that shows more about a wait of this category. */
function command(id, category) {
    const k = stackCommand$1(id);
    switch (category) {
        case "critical-section": return k + "; !cs -l (locked critical sections and owners)";
        case "srw-lock": return k + " (SRW locks record no owner: look for the thread inside the same code, StackTraces)";
        case "alpc":
        case "rpc-call": return k + " (the server thread is visible with !alpc in a kernel or complete dump)";
        case "message-send": return k + " (the receiving thread: MessageWaitChains)";
        case "message-box": return "~~[" + hexId(id) + "]kv (the text is MessageBox's second argument)";
        case "io": return k + "; !handle (the file or device)";
        default: return k;
    }
}
function info$4(text, source) {
    return { Verdict: "Info", Evidence: text, Source: source };
}

/**
 * Active Thread: threads that were executing code when the dump was written, not sitting in a system
 * call.
 *
 * The pattern: in a hang or manual dump nearly every thread waits inside a system call; a thread whose
 * instruction pointer is in ordinary code was running (or ready to run) at that moment. It is the
 * first suspect for CPU consumption (see SpikingThreads) or a busy loop. In a dump written on an event
 * (Evental Dump: an exception, a breakpoint) active threads can be perfectly normal.
 *
 * Detection: frame 0 of each thread (read once, shared with the other stack analyses). When the code
 * before the IP is in the dump, the bytes decide: a thread inside a system call has its IP right after
 * the syscall instruction (x64 `syscall` 0F 05 or `int 2e`, x86 `sysenter` 0F 34 or `int 2e`, ARM64
 * `svc`; an x86 stub's call to the WOW64 gate too). A syscall instruction found outside the Nt/Zw stubs
 * is named in the row (direct system calls, patched stubs). Without the code bytes (most minidumps)
 * the check is skipped and frame 0's function decides: `ntdll!Nt*`, `ntdll!Zw*`, `win32u!Nt*`,
 * `wow64cpu!*` are system-call stubs. The dump writer's own threads (dbghelp/dbgcore MiniDumpWriteDump,
 * WER's faultrep, the debugger's break-in thread, Breakpad and Crashpad handlers:
 * `Config.ActiveThreads.DumpWriterFunctions`) and the thread of the last event (`.lastevent`, an
 * exception: see ExceptionStackTraces) are named but not counted as active.
 *
 * False positives: a thread preempted in user code between two waits looks active without being busy;
 * one dump cannot tell a loop from a moment (take a second dump). In an Evental Dump the faulting thread
 * is active by nature. Frames whose module has no symbols and whose code is not in the dump cannot be
 * classified: they are reported as undetermined (ntdll without symbols), or as active with the check
 * skipped (other modules).
 *
 * Options (a dx object `new { All = true }` or the string `"all"`): All also lists the threads found in
 * system calls and the undetermined ones, one row each.
 *
 * @function ActiveThreads
 * @memberof Ewmda
 * @param {object|string} [options] `All` (bool): also list threads in system calls; or the string `"all"`.
 * @returns {ResultSet} One row per active thread (and per dump-writer / exception thread): Thread, State, IP, TopFrame, OwnerModule, Caller, Check, Verdict, Evidence, Source.
 * @example dx @$ewmda.ActiveThreads()
 * @example dx -g @$ewmda.ActiveThreads(new { All = true }).Where(r => r.State == "Active")
 * @example !ewmda.active
 * @example !ewmda.active "all"
 */
const activeThreads = defineAnalysis({
    meta: {
        name: "ActiveThreads",
        command: "active",
        summary: "Threads that were executing code, not waiting in a system call, when the dump was written",
        patterns: ["Active Thread"],
        targets: "user",
        version: "1.0.0",
        params: [{ name: "options", help: "All: also list threads in system calls; or the string \"all\"", optional: true }],
        options: [{ name: "All", type: "bool", help: "also list the threads found in system calls and the undetermined ones" }],
        columns: [
            { name: "Thread", type: "hex", help: "Thread id" },
            { name: "State", type: "string", help: "Active, SystemCall, DumpWriter (left out), ExceptionThread (the last event's thread) or Undetermined" },
            { name: "IP", type: "address", help: "Instruction pointer (frame 0)" },
            { name: "TopFrame", type: "string", help: "Frame 0 as module!function+0xoff (module+0xoff without symbols)" },
            { name: "OwnerModule", type: "string", help: "Image that holds the IP (none: JIT code or code outside modules)", table: false },
            { name: "Caller", type: "string", help: "First frame below the top that is not OS plumbing (who called the OS routine that runs)" },
            { name: "Check", type: "string", help: "How it was decided: bytes (the code before the IP was read), symbol (frame 0's function; code not in the dump) or none" },
        ],
        settings: {
            DumpWriterFunctions: {
                default: DUMP_WRITER_FUNCTIONS,
                help: "Frame patterns (module!function, * wildcards, a module alone) of threads that write the dump or break in for a debugger",
                reason: "dbghelp/dbgcore MiniDumpWriteDump, WER (faultrep, WerpReportFault), DbgUiRemoteBreakin, Breakpad and Crashpad run in the dumped process only to write the dump",
            },
        },
    },
    *run(ctx, args) {
        const t = ctx.target;
        const flags = readFlags(args[0], ["All"]);
        if (typeof flags === "string") {
            ctx.summary("ActiveThreads: " + flags);
            yield info$3(flags, "heuristic");
            return;
        }
        if (t.isKernel()) {
            ctx.summary("ActiveThreads: user-mode analysis");
            yield info$3("ActiveThreads reads user-mode threads; this is a kernel target (use !running -t -i, or open a user dump of the process)", "heuristic");
            return;
        }
        const writers = framePatterns(ctx.settings.DumpWriterFunctions);
        const classifier = new ActivityClassifier(t);
        const event = lastEventThread();
        const threads = t.threads();
        const active = [];
        const other = [];
        const undetermined = [];
        let inCalls = 0;
        let writerCount = 0;
        let byBytes = 0;
        for (const thread of threads) {
            const stack = t.threadStack(thread);
            const a = classifier.classify(stack);
            if (a.checked === "bytes")
                byBytes++;
            const writer = findFrame(stack, writers);
            const frames = Array.isArray(stack.frames) ? stack.frames : [];
            if (writer) {
                writerCount++;
                other.push(row(thread.id, "DumpWriter", a, frames, "Info", "dump writer (" + writer.symbol + " in frame " + writer.index + "): left out; " + stackCommand$1(thread.id)));
            }
            else if (a.activity === "active" && event !== undefined && event === thread.id) {
                other.push(row(thread.id, "ExceptionThread", a, frames, "Info", "the last event's thread (.lastevent): running where the exception was raised, see ExceptionStackTraces; " + a.reason));
            }
            else if (a.activity === "active") {
                active.push(row(thread.id, "Active", a, frames, "Positive", a.reason + "; " + evidenceCommand(thread.id, a, t.formatAddress.bind(t))));
            }
            else if (a.activity === "system-call") {
                inCalls++;
                if (flags.All)
                    other.push(row(thread.id, "SystemCall", a, frames, "Info", a.reason + "; " + evidenceCommand(thread.id, a, t.formatAddress.bind(t))));
            }
            else {
                undetermined.push(thread.id);
                if (flags.All)
                    other.push(row(thread.id, "Undetermined", a, frames, "Info", a.reason + "; " + stackCommand$1(thread.id)));
            }
        }
        for (const r of active)
            yield r;
        for (const r of other)
            yield r;
        const counts = inCalls + " in system calls" + (writerCount ? ", " + writerCount + " dump writer" : "") +
            (undetermined.length ? ", " + undetermined.length + " undetermined" : "") +
            "; code bytes checked on " + byBytes + ", frame 0's function used for the rest";
        if (undetermined.length && !flags.All) {
            const ids = undetermined.map(hexId);
            yield info$3(undetermined.length + " thread(s) could not be classified: frame 0 is in ntdll/win32u without symbols and the code is not in the dump (" +
                ids.slice(0, 12).join(", ") + (ids.length > 12 ? ", ..." : "") + "; .reload /f ntdll.dll, then ~*k)", "heuristic");
        }
        if (active.length === 0) {
            yield { Verdict: "Negative", Source: byBytes ? "typed" : "heuristic", Evidence: "0 active threads among " + threads.length + " (" + counts + "; ~*k)" };
        }
        ctx.summary("ActiveThreads: " + active.length + " active among " + threads.length + " threads (" + counts + ")");
    },
    rowText(row) {
        if (row.State === undefined)
            return row.Verdict + ": " + row.Evidence;
        return hexId(row.Thread) + " " + String(row.State) + " " + String(row.TopFrame ?? "");
    },
});
/** The thread of the last event when it is an exception, from `.lastevent`; undefined otherwise or when unknown. */
function lastEventThread() {
    const lines = runCommand$1(".lastevent");
    if (lines instanceof Unavailable)
        return undefined;
    const e = parseLastEvent(lines);
    return e && e.code !== undefined ? e.threadId : undefined;
}
function evidenceCommand(id, a, fmt) {
    if (a.checked === "bytes" && a.top)
        return "ub " + fmt(a.top.ip) + " L2; " + stackCommand$1(id);
    return stackCommand$1(id);
}
function row(id, state, a, frames, verdict, evidence) {
    const top = a.top;
    // An OS routine on top (a heap walk, memcpy): who called it is the interesting part.
    const caller = top && isSystemFrame(top, SYSTEM_MODULES$1) ? firstNonSystemFrame(frames, 1, SYSTEM_MODULES$1) : undefined;
    return {
        Thread: id,
        State: state,
        IP: top ? top.ip : undefined,
        TopFrame: top ? top.symbol : undefined,
        OwnerModule: top ? (top.module ? top.module.name : "none") : undefined,
        Caller: caller ? caller.symbol : undefined,
        Check: a.checked,
        Verdict: verdict,
        Evidence: evidence,
        Source: a.checked === "bytes" ? "typed" : "heuristic",
    };
}
function info$3(text, source) {
    return { Verdict: "Info", Evidence: text, Source: source };
}

/**
 * `!runaway 7` text → per-thread CPU times (patterns.md §12). In user dumps this is the only way to
 * get thread times: the data model has no API for them. WinDbg prints up to three sections (the flags
 * pick them: 1 user, 2 kernel, 4 elapsed), each a header line, a "Thread Time" line and one line per
 * thread, busiest first:
 *
 *      User Mode Time
 *       Thread       Time
 *        0:1a4       0 days 0:00:41.015
 *
 * (the documentation's older example prints `0:00:00.0093`, without days and with four fraction digits).
 * `0:1a4` is the debugger's thread index (decimal) and the thread id (hex). A dump without the thread
 * info stream gives an error instead ("Unable to get thread times - dumps may not have time
 * information"). The parser is tolerant: unknown lines are counted, not fatal.
 */
const SECTION = /^\s*(User Mode|Kernel Mode|Elapsed) Time\s*$/i;
const COLUMNS = /^\s*Thread\s+Time\s*$/i;
// The days are absent and the fraction has four digits in the documentation's older example (`0:55c  0:00:00.0093`).
const ROW = /^\s*(\d+):([0-9a-f]+)\s+(?:(\d+)\s+days?\s+)?(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?\s*$/i;
/** Milliseconds of `D days H:MM:SS.fff` (the fraction is a decimal fraction of a second, whatever its digits). */
function millis(days, h, m, s, frac) {
    const f = frac === undefined ? 0 : Math.round(parseFloat("0." + frac) * 1000);
    return (((parseInt(days || "0", 10) * 24 + parseInt(h, 10)) * 60 + parseInt(m, 10)) * 60 + parseInt(s, 10)) * 1000 + f;
}
function parseRunaway(lines) {
    const byTid = {};
    const threads = [];
    const sections = [];
    let section;
    let unparsed = 0;
    let rows = 0;
    let message;
    for (const raw of lines) {
        const line = String(raw);
        if (line.trim() === "")
            continue;
        const head = SECTION.exec(line);
        if (head) {
            const word = head[1].toLowerCase();
            section = word === "user mode" ? "user" : word === "kernel mode" ? "kernel" : "elapsed";
            if (sections.indexOf(section) < 0)
                sections.push(section);
            continue;
        }
        if (COLUMNS.test(line))
            continue;
        const row = ROW.exec(line);
        if (row && section) {
            const tid = parseInt(row[2], 16);
            let t = byTid[tid];
            if (!t) {
                t = { index: parseInt(row[1], 10), tid, userMs: undefined, kernelMs: undefined, elapsedMs: undefined };
                byTid[tid] = t;
                threads.push(t);
            }
            const ms = millis(row[3], row[4], row[5], row[6], row[7]);
            if (section === "user")
                t.userMs = ms;
            else if (section === "kernel")
                t.kernelMs = ms;
            else
                t.elapsedMs = ms;
            rows++;
            continue;
        }
        unparsed++;
        // Keep WinDbg's own explanation: the quoted reason beats the generic "extension exception" line.
        const text = line.trim().replace(/^"(.*)"$/, "$1");
        if (/unable|error|not|fail|invalid|no export/i.test(text) && (message === undefined || /^ERROR:/.test(message)))
            message = text;
    }
    if (rows === 0) {
        if (message !== undefined)
            return { error: message };
        const first = lines.map(String).filter((l) => l.trim() !== "")[0];
        return { error: first === undefined ? "!runaway printed nothing" : "no thread times in the output (it starts \"" + clip$1(first.trim()) + "\")" };
    }
    return { threads, sections, unparsed };
}
function isRunawayError(r) {
    return r.error !== undefined;
}
function clip$1(s) {
    return s.length > 60 ? s.slice(0, 57) + "..." : s;
}
/** `0:00:41.015`, with `N days ` in front when a day or more, as !runaway prints it. */
function formatDuration(ms) {
    const days = Math.floor(ms / 86400000);
    let rest = ms - days * 86400000;
    const h = Math.floor(rest / 3600000);
    rest -= h * 3600000;
    const m = Math.floor(rest / 60000);
    rest -= m * 60000;
    const s = Math.floor(rest / 1000);
    const f = Math.round(rest - s * 1000);
    const two = (n) => (n < 10 ? "0" : "") + n;
    const three = (n) => (n < 10 ? "00" : n < 100 ? "0" : "") + n;
    return (days ? days + " days " : "") + h + ":" + two(m) + ":" + two(s) + "." + three(f);
}

/**
 * Spiking Thread: the thread (or group of threads) that consumed the CPU, from the thread times in the
 * dump.
 *
 * The pattern: when a process burns CPU, the dump should show which thread did it: a thread with a
 * large share of CPU time over its lifetime, well ahead of the others, that is running (not waiting)
 * when the dump was written. The Distributed Spike variant is many threads each moderately busy that
 * together keep a core or more busy.
 *
 * Detection: user dumps give thread times only through `!runaway 7` (user, kernel and elapsed time per
 * thread; there is no data-model API), parsed tolerantly. Per thread: cpu = user + kernel, share = cpu
 * over elapsed (the fraction of one core over the thread's life), rank by cpu, dominance = cpu over the
 * next busiest thread's cpu. A thread spikes when cpu >= `MinCpuMilliseconds` and share >=
 * `SpikeSharePercent`, or, for the busiest thread, cpu >= `SpikeCpuSeconds` and dominance >=
 * `DominanceRatio` (a long-lived thread far ahead of the rest; dominance is not used further down the
 * ranking, where it would single out the last of a group of busy threads). A distributed spike
 * is at least `DistributedMinThreads` other threads each with cpu >= `DistributedThreadCpuMilliseconds`
 * and share >= `DistributedThreadSharePercent` whose shares add up to `DistributedTotalSharePercent` or
 * more. Each candidate's frame 0 is checked as in ActiveThreads: running (or in a busy-wait such as
 * `NtYieldExecution`: `BusyWaitFunctions`) is Positive; waiting in a system call is Suspicious (the
 * spike may be over). The dump writer's threads (ActiveThreads' DumpWriterFunctions) are left out:
 * writing a dump costs CPU.
 *
 * False positives: times are accumulated since each thread started, not current usage; a long-lived
 * thread can hold a lot of CPU without spiking now. One dump cannot measure a rate: compare two dumps
 * taken seconds apart (Step Dumps, Spike Interval). Kernel time accounting is coarse (15.6 ms ticks).
 * When the dump has no thread times (no MiniDumpWithThreadInfo), one Info row says so.
 *
 * Options (a dx object `new { All = true }` or the string `"all"`): All lists every thread's times
 * (threads below the thresholds with Verdict Info).
 *
 * @function SpikingThreads
 * @memberof Ewmda
 * @param {object|string} [options] `All` (bool): list every thread's times; or the string `"all"`.
 * @returns {ResultSet} One row per spiking thread: Thread, UserTime, KernelTime, Elapsed, CpuMs, SharePercent, Rank, Dominance, Activity, TopFrame, Variant, Verdict, Evidence, Source.
 * @example dx @$ewmda.SpikingThreads()
 * @example dx -g @$ewmda.SpikingThreads(new { All = true }).OrderByDescending(r => r.CpuMs)
 * @example !ewmda.spiking
 * @example !ewmda.spiking "all"
 */
const spikingThreads = defineAnalysis({
    meta: {
        name: "SpikingThreads",
        command: "spiking",
        summary: "Threads that consumed the CPU (share of their lifetime, dominance), from !runaway thread times",
        patterns: ["Spiking Thread"],
        targets: "user",
        version: "1.0.0",
        params: [{ name: "options", help: "All: list every thread's times; or the string \"all\"", optional: true }],
        options: [{ name: "All", type: "bool", help: "list every thread's times, not only the spiking ones" }],
        columns: [
            { name: "Thread", type: "hex", help: "Thread id" },
            { name: "UserTime", type: "string", help: "User-mode CPU time (!runaway 1)" },
            { name: "KernelTime", type: "string", help: "Kernel-mode CPU time (!runaway 2)" },
            { name: "Elapsed", type: "string", help: "Time since the thread was created (!runaway 4)" },
            { name: "CpuMs", type: "int", help: "User plus kernel time in milliseconds", table: false },
            { name: "SharePercent", type: "int", help: "CPU time over elapsed time, in percent of one core (not available without a create time)" },
            { name: "Rank", type: "int", help: "1 for the thread with the most CPU time" },
            { name: "Dominance", type: "int", help: "CPU time over the next busiest thread's (one decimal)" },
            { name: "Activity", type: "string", help: "Frame 0 now: active (running code), system-call (waiting) or unknown (see ActiveThreads)" },
            { name: "TopFrame", type: "string", help: "Frame 0 as module!function+0xoff" },
            { name: "Variant", type: "string", help: "single (one thread spikes), distributed (many busy threads add up), or none" },
        ],
        settings: {
            SpikeSharePercent: {
                default: 50,
                help: "CPU share of its lifetime (percent of one core) from which a thread spikes",
                reason: "a thread that used half a core over its whole life is a CPU consumer whatever the others do",
            },
            MinCpuMilliseconds: {
                default: 1000,
                help: "CPU time below which a high share does not count",
                reason: "a thread created moments before the dump has a high share after a few milliseconds of CPU",
            },
            SpikeCpuSeconds: {
                default: 10,
                help: "CPU seconds from which a thread far ahead of the others spikes whatever its share",
                reason: "10 s of CPU is noticeable even for a long-lived thread",
            },
            DominanceRatio: {
                default: 3,
                help: "How many times the next busiest thread's CPU the busiest thread needs with SpikeCpuSeconds",
                reason: "a thread three times ahead of the next stands out from the normal spread of load",
            },
            DistributedMinThreads: {
                default: 3,
                help: "Busy threads needed for a distributed spike",
                reason: "a Distributed Spike spreads the load over at least three threads; two are a pair of single spikes",
            },
            DistributedThreadCpuMilliseconds: {
                default: 1000,
                help: "CPU time from which a thread counts as busy for a distributed spike",
                reason: "Vostokov's Distributed Spike highlights threads with more than 1 s of CPU",
            },
            DistributedThreadSharePercent: {
                default: 10,
                help: "CPU share from which a thread counts as busy for a distributed spike",
                reason: "leaves out long-lived threads whose CPU time is spread thinly over hours",
            },
            DistributedTotalSharePercent: {
                default: 100,
                help: "Sum of the busy threads' shares (percent of one core) that makes a distributed spike",
                reason: "together they kept at least one core busy over their lifetimes",
            },
            BusyWaitFunctions: {
                default: ["ntdll!NtYieldExecution", "ntdll!ZwYieldExecution", "kernelbase!SwitchToThread", "kernel32!SwitchToThread"],
                help: "Frame 0 functions of a thread that spins by yielding (counts as running)",
                reason: "SwitchToThread and Sleep(0) loops sit in a system call at any moment yet burn CPU",
            },
        },
    },
    *run(ctx, args) {
        const t = ctx.target;
        const cfg = ctx.settings;
        const flags = readFlags(args[0], ["All"]);
        if (typeof flags === "string") {
            ctx.summary("SpikingThreads: " + flags);
            yield info$2(flags, "heuristic");
            return;
        }
        if (t.isKernel()) {
            ctx.summary("SpikingThreads: user-mode analysis");
            yield info$2("SpikingThreads reads user-mode thread times; this is a kernel target (use !running, !thread's UserTime/KernelTime, or a user dump)", "heuristic");
            return;
        }
        const lines = runCommand$1("!runaway 7");
        const parsed = lines instanceof Unavailable ? { error: lines.reason } : parseRunaway(lines);
        if (isRunawayError(parsed) || parsed.sections.indexOf("user") < 0 || parsed.sections.indexOf("kernel") < 0) {
            const why = isRunawayError(parsed) ? parsed.error : "!runaway 7 printed only the " + parsed.sections.join(" and ") + " section(s)";
            ctx.summary("SpikingThreads: no thread times");
            yield info$2("the dump has no thread times (" + why + "); capture with .dump /ma or procdump -ma (MiniDumpWithThreadInfo), " +
                "or compare two dumps (Step Dumps); ActiveThreads shows which threads were running", "command");
            return;
        }
        const writers = framePatterns(ctx.config.ActiveThreads ? ctx.config.ActiveThreads.DumpWriterFunctions : DUMP_WRITER_FUNCTIONS);
        const busyWait = framePatterns(cfg.BusyWaitFunctions);
        const classifier = new ActivityClassifier(t);
        const entries = [];
        const writerIds = [];
        for (const times of parsed.threads) {
            const thread = t.findThread(times.tid);
            if (thread && findFrame(t.threadStack(thread), writers)) {
                writerIds.push(times.tid);
                continue;
            }
            const cpu = (times.userMs || 0) + (times.kernelMs || 0);
            const share = times.elapsedMs ? cpu / times.elapsedMs : undefined;
            entries.push({ times, cpu, share, rank: 0, dominance: undefined, variant: "none" });
        }
        entries.sort((a, b) => b.cpu - a.cpu || a.times.index - b.times.index);
        entries.forEach((e, i) => {
            e.rank = i + 1;
            const next = entries[i + 1];
            e.dominance = next === undefined ? undefined : next.cpu > 0 ? e.cpu / next.cpu : e.cpu > 0 ? Infinity : undefined;
        });
        const spikes = entries.filter((e) => e.cpu >= cfg.MinCpuMilliseconds && ((e.share !== undefined && e.share * 100 >= cfg.SpikeSharePercent) ||
            (e.rank === 1 && e.cpu >= cfg.SpikeCpuSeconds * 1000 && e.dominance !== undefined && e.dominance >= cfg.DominanceRatio)));
        for (const e of spikes)
            e.variant = "single";
        const busy = entries.filter((e) => e.variant === "none" && e.cpu >= cfg.DistributedThreadCpuMilliseconds &&
            e.share !== undefined && e.share * 100 >= cfg.DistributedThreadSharePercent);
        const busyShare = busy.reduce((s, e) => s + (e.share || 0), 0);
        const distributed = busy.length >= cfg.DistributedMinThreads && busyShare * 100 >= cfg.DistributedTotalSharePercent;
        if (distributed)
            for (const e of busy)
                e.variant = "distributed";
        const activityOf = (tid) => {
            const thread = t.findThread(tid);
            if (!thread)
                return { a: undefined, busyWait: undefined };
            const stack = t.threadStack(thread);
            const a = classifier.classify(stack);
            const top = a.top;
            return { a, busyWait: top && busyWait.some((p) => frameMatches(top, p)) ? top : undefined };
        };
        let positive = 0;
        for (const e of entries) {
            if (e.variant === "none" && !flags.All)
                continue;
            const { a, busyWait: spin } = activityOf(e.times.tid);
            let verdict = "Info";
            let note;
            if (e.variant === "none")
                note = "below the thresholds";
            else if (a && a.activity === "active") {
                verdict = "Positive";
                note = "running now (" + a.reason + ")";
            }
            else if (spin) {
                verdict = "Positive";
                note = "spinning: frame 0 is " + spin.symbol + " (busy-wait)";
            }
            else if (a && a.activity === "system-call") {
                verdict = "Suspicious";
                note = "waiting now (" + a.reason + "): the spike may be over; a second dump shows whether CPU still grows";
            }
            else {
                verdict = "Suspicious";
                note = a ? "could not tell whether it runs now (" + a.reason + ")" : "not in the thread list";
            }
            if (verdict === "Positive")
                positive++;
            const variantText = e.variant === "distributed" ? "one of " + busy.length + " busy threads adding up to " + Math.round(busyShare * 100) + "% of a core; " : "";
            yield {
                Thread: e.times.tid,
                UserTime: e.times.userMs !== undefined ? formatDuration(e.times.userMs) : undefined,
                KernelTime: e.times.kernelMs !== undefined ? formatDuration(e.times.kernelMs) : undefined,
                Elapsed: e.times.elapsedMs !== undefined ? formatDuration(e.times.elapsedMs) : undefined,
                CpuMs: e.cpu,
                SharePercent: e.share !== undefined ? Math.round(e.share * 100) : notAvailable("!runaway gives no elapsed time for this thread (no create time in the dump)"),
                Rank: e.rank,
                Dominance: e.dominance === undefined ? notAvailable(e.rank === entries.length ? "no thread after it" : "no CPU time")
                    : e.dominance === Infinity ? notAvailable("the next busiest thread used no CPU time") : Math.round(e.dominance * 10) / 10,
                Activity: a ? a.activity : "unknown",
                TopFrame: a && a.top ? a.top.symbol : undefined,
                Variant: e.variant,
                Verdict: verdict,
                Evidence: variantText + note + "; !runaway 7 (" + e.times.index + ":" + e.times.tid.toString(16) + "), " + stackCommand$1(e.times.tid),
                Source: "command",
            };
        }
        const top = entries[0];
        const busiest = top ? "busiest " + hexId(top.times.tid) + ": " + formatDuration(top.cpu) + " CPU" +
            (top.share !== undefined ? ", " + Math.round(top.share * 100) + "% of its " + formatDuration(top.times.elapsedMs || 0) + " lifetime" : "") : "no threads";
        if (spikes.length === 0 && !distributed) {
            yield {
                Verdict: "Negative", Source: "command",
                Evidence: "0 spiking threads among " + entries.length + " with times (" + busiest + "; thresholds: share >= " + cfg.SpikeSharePercent + "% with >= " +
                    cfg.MinCpuMilliseconds + " ms, or >= " + cfg.SpikeCpuSeconds + " s and " + cfg.DominanceRatio + "x the next" +
                    (writerIds.length ? "; " + writerIds.length + " dump writer thread left out" : "") + "; !runaway 7)",
            };
        }
        ctx.summary("SpikingThreads: " + spikes.length + " spiking" + (distributed ? ", distributed spike over " + busy.length + " threads" : "") +
            " (" + positive + " running now) among " + entries.length + " threads with times; " + busiest);
    },
    rowText(row) {
        if (row.Rank === undefined)
            return row.Verdict + ": " + row.Evidence;
        return hexId(row.Thread) + " " + String(row.Variant) + " cpu " + String(row.CpuMs) + " ms, " + String(row.SharePercent) + "%";
    },
});
function info$2(text, source) {
    return { Verdict: "Info", Evidence: text, Source: source };
}

/**
 * The `~` thread listing, for the suspend counts the data model does not give in user dumps
 * (patterns.md §5): one line per thread with its suspend count and freeze state,
 *
 *     .  0  Id: 1138.1a4 Suspend: 1 Teb: 000000e8`0002e000 Unfrozen "main"
 *
 * where the first column marks the current thread (`.`) or the last event's thread (`#`), then the
 * debugger's index (decimal), process and thread ids (hex), the suspend count (decimal), the TEB, Frozen
 * or Unfrozen (the debugger's own freeze, `~f`), and the thread's description in quotes when it has one.
 */
const THREAD = /^\s*([.#])?\s*(\d+)\s+Id:\s*([0-9a-f]+)\.([0-9a-f]+)\s+Suspend:\s*(\d+)\s+Teb:\s*([0-9a-f`]+)\s+(Frozen|Unfrozen)\b\s*(?:"(.*)")?/i;
function parseThreadList$1(lines) {
    const threads = [];
    const unparsed = [];
    for (const raw of lines) {
        const line = String(raw);
        if (line.trim() === "")
            continue;
        const m = THREAD.exec(line);
        if (!m) {
            unparsed.push(line);
            continue;
        }
        threads.push({
            index: parseInt(m[2], 10),
            processId: parseInt(m[3], 16),
            tid: parseInt(m[4], 16),
            suspendCount: parseInt(m[5], 10),
            teb: m[6],
            frozen: m[7].toLowerCase() === "frozen",
            current: m[1] === ".",
            lastEvent: m[1] === "#",
            name: m[8],
        });
    }
    return { threads, unparsed };
}

/**
 * Suspended Thread: threads whose suspend count is above what the dump writer explains, whole-process
 * suspensions, threads frozen by the debugger, and the thread that may be doing the suspending.
 *
 * The pattern: a normal thread's suspend count is zero; a thread suspended by someone else does not
 * run and looks blocked. Causes: a debugger (or one that died and left threads suspended), a process
 * created suspended and never resumed, an injector or security product, or SuspendThread/ResumeThread
 * calls that do not pair up.
 *
 * Detection: user dumps carry each thread's suspend count, which the debugger shows in `~`
 * (`Suspend: N`; there is no data-model property), parsed here. A dump written by another process
 * suspends every thread once while it writes, so the baseline is the lowest count among the threads,
 * at most `Config.SuspendedThreads.MaxWriterBaseline` (1); the dump writer's own thread in the process
 * (ActiveThreads' DumpWriterFunctions) is left out. Threads above the baseline are suspended (Positive).
 * When every thread is above it the whole process was suspended: the cause is named when the dump shows
 * one (PEB.BeingDebugged: a debugger; a single thread that never started: created suspended; a packaged
 * app's modules: the lifecycle manager) and the row is Info, otherwise Suspicious. Threads above the
 * process-wide level are still reported one by one. Threads marked Frozen (the debugger's `~f`) are
 * Info rows. Threads whose stacks are inside `SuspenderFunctions` (NtSuspendThread, SuspendThread,
 * NtSuspendProcess) are named as likely suspenders.
 *
 * False positives: a snapshot-based writer (PssCaptureSnapshot, procdump -r) leaves counts at 0; if it
 * captured a process whose threads were all suspended once, the baseline hides it. A thread that the
 * application suspends on purpose (a profiler sampling, a GC) shows as suspended at that moment.
 *
 * Options (a dx object `new { All = true }` or the string `"all"`): All also lists the threads at the
 * baseline.
 *
 * @function SuspendedThreads
 * @memberof Ewmda
 * @param {object|string} [options] `All` (bool): also list threads at the baseline; or the string `"all"`.
 * @returns {ResultSet} One row per suspended or frozen thread (one for a whole-process suspension): Thread, Index, SuspendCount, Baseline, Frozen, ProcessWide, LikelyCause, TopFrame, Verdict, Evidence, Source.
 * @example dx @$ewmda.SuspendedThreads()
 * @example dx -g @$ewmda.SuspendedThreads(new { All = true })
 * @example !ewmda.suspended
 */
const suspendedThreads = defineAnalysis({
    meta: {
        name: "SuspendedThreads",
        command: "suspended",
        summary: "Threads suspended above the dump writer's baseline, whole-process suspensions, frozen threads and likely suspenders",
        patterns: ["Suspended Thread"],
        targets: "user",
        version: "1.0.0",
        params: [{ name: "options", help: "All: also list threads at the baseline; or the string \"all\"", optional: true }],
        options: [{ name: "All", type: "bool", help: "also list the threads whose suspend count is at the baseline" }],
        columns: [
            { name: "Thread", type: "hex", help: "Thread id (empty for a whole-process row)" },
            { name: "Index", type: "int", help: "The debugger's thread number (~N)", table: false },
            { name: "SuspendCount", type: "int", help: "Suspend count as ~ shows it" },
            { name: "Baseline", type: "int", help: "Count explained by the dump writer (the lowest count, at most MaxWriterBaseline)" },
            { name: "Frozen", type: "bool", help: "Frozen by the debugger (~f)" },
            { name: "ProcessWide", type: "bool", help: "Every thread is above the baseline: the whole process was suspended" },
            { name: "LikelyCause", type: "string", help: "Who or what probably suspended the thread" },
            { name: "TopFrame", type: "string", help: "Frame 0 of the thread", table: false },
        ],
        settings: {
            MaxWriterBaseline: {
                default: 1,
                help: "Highest suspend count a dump writer explains",
                reason: "a dump written by another process (procdump, WER, Task Manager, a debugger's .dump) suspends every thread once; snapshot writers suspend none",
            },
            SuspenderFunctions: {
                default: ["ntdll!NtSuspendThread", "ntdll!ZwSuspendThread", "kernelbase!SuspendThread", "kernel32!SuspendThread", "ntdll!NtSuspendProcess", "ntdll!ZwSuspendProcess"],
                help: "Frame patterns of a thread that is suspending threads",
                reason: "every user-mode suspension goes through NtSuspendThread or NtSuspendProcess",
            },
            NotStartedFunctions: {
                default: ["ntdll!RtlUserThreadStart", "ntdll!LdrInitializeThunk", "kernel32!BaseThreadInitThunk"],
                help: "Frame 0 functions of a thread that never ran (created suspended)",
                reason: "a thread created suspended has its context at the thread start thunk",
            },
            PackagedAppModules: {
                default: ["twinapi.appcore.dll", "Windows.UI.Xaml.dll"],
                help: "Modules that mark a packaged (UWP) app, which the lifecycle manager suspends in the background",
                reason: "a suspended packaged app is benign; these modules load in every XAML/CoreApplication app",
            },
        },
    },
    *run(ctx, args) {
        const t = ctx.target;
        const cfg = ctx.settings;
        const flags = readFlags(args[0], ["All"]);
        if (typeof flags === "string") {
            ctx.summary("SuspendedThreads: " + flags);
            yield info$1(flags, "heuristic");
            return;
        }
        if (t.isKernel()) {
            ctx.summary("SuspendedThreads: user-mode analysis");
            yield info$1("SuspendedThreads reads user-mode suspend counts; this is a kernel target (use !thread's SuspendCount/FreezeCount, or !process 0 7 for WAIT: (Suspended))", "heuristic");
            return;
        }
        const out = runCommand$1("~");
        const listing = out instanceof Unavailable ? undefined : parseThreadList$1(out);
        if (!listing || listing.threads.length === 0) {
            const why = out instanceof Unavailable ? out.reason : out.length === 0 ? "~ printed nothing" :
                "~ printed no thread lines (it starts \"" + clip(listing.unparsed[0] || "") + "\")";
            ctx.summary("SuspendedThreads: no suspend counts");
            yield info$1("no suspend counts: " + why + "; run ~ to see them (Suspend: N), !teb for each thread's TEB", "command");
            return;
        }
        const writers = framePatterns(ctx.config.ActiveThreads ? ctx.config.ActiveThreads.DumpWriterFunctions : DUMP_WRITER_FUNCTIONS);
        const suspenders = framePatterns(cfg.SuspenderFunctions);
        const stackOf = (tid) => {
            const thread = t.findThread(tid);
            return thread ? t.threadStack(thread) : undefined;
        };
        const topOf = (s) => (s && Array.isArray(s.frames) ? s.frames[0] : undefined);
        // The writer's own thread is never suspended by itself: it would pull the baseline down to 0.
        const counted = [];
        const writerLines = [];
        for (const line of listing.threads) {
            const s = stackOf(line.tid);
            if (s && findFrame(s, writers))
                writerLines.push(line);
            else
                counted.push(line);
        }
        if (counted.length === 0) {
            ctx.summary("SuspendedThreads: only dump-writer threads");
            yield info$1("every thread in ~ is a dump-writer thread (" + writerLines.map((l) => hexId(l.tid)).join(", ") + "): nothing to compare", "command");
            return;
        }
        const minCount = counted.reduce((m, l) => Math.min(m, l.suspendCount), Infinity);
        const baseline = Math.min(minCount, cfg.MaxWriterBaseline);
        const processWide = minCount > baseline;
        const level = processWide ? minCount : baseline;
        // Threads (not writers) that are suspending someone.
        const suspending = [];
        for (const thread of t.threads()) {
            const s = t.threadStack(thread);
            if (findFrame(s, writers))
                continue;
            const f = findFrame(s, suspenders);
            if (f)
                suspending.push("thread " + hexId(thread.id) + " is in " + f.symbol);
        }
        const suspenderText = suspending.length
            ? suspending.slice(0, 3).join("; ") + (suspending.length > 3 ? "; ..." : "") + " (a suspender inside the process)"
            : "no thread of this process is suspending threads: another process (a debugger, an injector, a security product) or an unpaired SuspendThread/ResumeThread";
        let found = 0;
        if (processWide) {
            found++;
            const cause = wholeProcessCause(t, counted, cfg.NotStartedFunctions, cfg.PackagedAppModules, stackOf);
            yield {
                Thread: undefined, Index: undefined, SuspendCount: minCount, Baseline: baseline, Frozen: undefined, ProcessWide: true,
                LikelyCause: cause ? cause : suspenderText, TopFrame: undefined,
                Verdict: cause ? "Info" : "Suspicious", Source: "command",
                Evidence: "all " + counted.length + " threads have suspend count >= " + minCount + " (a dump writer explains " + baseline + "): the whole process was suspended; ~",
            };
        }
        for (const line of counted) {
            const s = stackOf(line.tid);
            const top = topOf(s);
            if (line.suspendCount > level) {
                found++;
                const never = notStarted(s, cfg.NotStartedFunctions);
                const cause = never ? "created suspended and never resumed (frame 0 is " + never.symbol + ")" : suspenderText;
                yield threadRow(line, baseline, processWide, cause, top, "Positive", "~" + line.index + " shows Suspend: " + line.suspendCount + " (baseline " + baseline + (processWide ? ", process-wide " + level : "") + ")" +
                    (line.frozen ? ", and Frozen" : "") + "; " + stackCommand$1(line.tid));
            }
            else if (line.frozen) {
                found++;
                yield threadRow(line, baseline, processWide, "frozen by the debugger (~" + line.index + "f); ~" + line.index + "u thaws it", top, "Info", "~" + line.index + " shows Frozen; " + stackCommand$1(line.tid));
            }
            else if (flags.All) {
                yield threadRow(line, baseline, processWide, undefined, top, "Info", "~" + line.index + " shows Suspend: " + line.suspendCount + " (at the " +
                    (processWide ? "process-wide level" : "baseline") + ")");
            }
        }
        const writerText = writerLines.length ? "; dump-writer thread(s) " + writerLines.map((l) => hexId(l.tid)).join(", ") + " left out" : "";
        if (found === 0) {
            yield {
                Verdict: "Negative", Source: "command",
                Evidence: "0 suspended threads above the baseline of " + baseline + " among " + counted.length + " threads (lowest count " + minCount + writerText + "; ~)",
            };
        }
        ctx.summary("SuspendedThreads: " + (processWide ? "the whole process is suspended (" + minCount + "), " : "") +
            counted.filter((l) => l.suspendCount > level).length + " thread(s) above " + (processWide ? "that" : "the baseline of " + baseline) + " among " + counted.length + " threads" +
            writerText + (listing.unparsed.length ? "; " + listing.unparsed.length + " line(s) of ~ not understood" : ""));
    },
    rowText(row) {
        if (row.SuspendCount === undefined)
            return row.Verdict + ": " + row.Evidence;
        return (row.Thread === undefined ? "process" : hexId(row.Thread)) + " suspend " + String(row.SuspendCount) + " (baseline " + String(row.Baseline) + ")";
    },
});
function threadRow(line, baseline, processWide, cause, top, verdict, evidence) {
    return {
        Thread: line.tid, Index: line.index, SuspendCount: line.suspendCount, Baseline: baseline, Frozen: line.frozen, ProcessWide: processWide,
        LikelyCause: cause, TopFrame: top ? top.symbol : undefined, Verdict: verdict, Evidence: evidence, Source: "command",
    };
}
/** Frame 0 when the thread never ran (its only frames are the thread start thunks). */
function notStarted(s, functions) {
    if (!s || !Array.isArray(s.frames))
        return undefined;
    const frames = s.frames;
    const top = frames[0];
    if (!top || frames.length > 2)
        return undefined;
    return framePatterns(functions).some((p) => frameMatches(top, p)) ? top : undefined;
}
/** Why a whole process is suspended, when the dump shows it; undefined when it does not. */
function wholeProcessCause(t, lines, notStartedFunctions, packaged, stackOf) {
    const causes = [];
    try {
        const peb = t.process.Environment.EnvironmentBlock;
        if (peb && toNumber(peb.BeingDebugged) !== 0)
            causes.push("a debugger is attached (PEB.BeingDebugged = 1: dt ntdll!_PEB @$peb BeingDebugged)");
    }
    catch (e) { /* no typed PEB: no answer from it */ }
    if (lines.length === 1) {
        const f = notStarted(stackOf(lines[0].tid), notStartedFunctions);
        if (f)
            causes.push("created suspended (CREATE_SUSPENDED): the only thread has not started (frame 0 is " + f.symbol + ")");
    }
    const modules = t.modules();
    const app = packaged.filter((name) => modules.byName(name) !== undefined);
    if (app.length)
        causes.push("a packaged app (" + app.join(", ") + " loaded): the lifecycle manager suspends them in the background (benign)");
    return causes.length ? causes.join("; ") : undefined;
}
function clip(s) {
    const x = s.trim();
    return x.length > 60 ? x.slice(0, 57) + "..." : x;
}
function info$1(text, source) {
    return { Verdict: "Info", Evidence: text, Source: source };
}

/**
 * The one thin typed layer between analyses and `host`: processes, threads, stack ranges, modules,
 * memory in bulk, symbols. How each thing is fetched, and its fallbacks for missing symbols and
 * unconfirmed provider behaviour, is written once here. A Target is made per analysis call and caches
 * what it fetched for that call only.
 */
/** A pointer-valued field as an address: Int64, number, or a native pointer (its `.address`). */
function asAddress(v) {
    if (isInt64(v) || typeof v === "number")
        return toInt64(v);
    if (v && typeof v === "object" && v.address !== undefined) {
        return toInt64(v.address);
    }
    throw new TypeError("not an address");
}

/**
 * Saved exception state on a thread's stack: CONTEXT and EXCEPTION_RECORD read through ntdll's types
 * (sizes and field offsets come from the symbols, never from constants), validated before anyone is told
 * about them, and recovered from the places exception dispatching leaves them:
 *
 * - x64 / ARM64 `KiUserExceptionDispatcher`: the kernel builds the CONTEXT at the frame's stack pointer and
 *   the EXCEPTION_RECORD after it (Windows 7+ puts a CONTEXT_EX in between: the record is at
 *   sizeof(CONTEXT) + 0x20 on x64; earlier systems put it right after the CONTEXT). The record's place is
 *   probed from sizeof(CONTEXT) on in 16-byte steps and accepted where its ExceptionAddress equals the
 *   CONTEXT's instruction pointer.
 * - x86 `KiUserExceptionDispatcher(EXCEPTION_RECORD*, CONTEXT*)`: the two pointer arguments on the stack.
 * - Any other dispatching frame (RtlDispatchException, RaiseException, UnhandledExceptionFilter...): a
 *   bounded scan of the stack above it for (EXCEPTION_RECORD*, CONTEXT*) pairs (arguments, EXCEPTION_POINTERS)
 *   and for CONTEXT-shaped data, then for a record whose ExceptionAddress is that CONTEXT's instruction pointer.
 *
 * A CONTEXT counts only when its ContextFlags name the target's architecture with CONTEXT_CONTROL, its stack
 * pointer is inside the stack that holds it, and its instruction pointer is inside a module (or is the
 * address an execute fault names).
 *
 * Also here: the thrown type of an MSVC C++ exception, from the throw information its record points to.
 */
/** The architecture bit of ContextFlags (winnt.h CONTEXT_i386 / CONTEXT_AMD64 / CONTEXT_ARM64). */
const ARCH_FLAG = { x86: 0x10000, x64: 0x100000, arm64: 0x400000 };
/** CONTEXT_CONTROL's low bit: the instruction and stack pointers are valid. */
const CONTEXT_CONTROL = 0x1;
/** Bits 8..23 hold the architecture bit; the low byte holds feature bits, the high byte status bits (CONTEXT_EXCEPTION_*). */
const ARCH_MASK = 0x00ffff00;
/** EXCEPTION_MAXIMUM_PARAMETERS (winnt.h). */
const MAX_PARAMETERS = 15;
const REGISTER_FIELDS = {
    x64: { ip: "Rip", sp: "Rsp" }, x86: { ip: "Eip", sp: "Esp" }, arm64: { ip: "Pc", sp: "Sp" },
};
/** ntdll's `_CONTEXT` / `_EXCEPTION_RECORD` for the target's architecture, or why they cannot be used. */
function exceptionTypes(t) {
    const arch = t.architecture();
    const regs = REGISTER_FIELDS[arch];
    if (!regs)
        return "no CONTEXT layout is known for " + arch;
    const contextSize = t.typeSize("ntdll", "_CONTEXT");
    const recordSize = t.typeSize("ntdll", "_EXCEPTION_RECORD");
    if (contextSize === undefined || recordSize === undefined) {
        return "ntdll's _CONTEXT / _EXCEPTION_RECORD types are not available (ntdll symbols not loaded: .reload /f ntdll.dll, check .sympath)";
    }
    const flagsOffset = t.fieldOffset("ntdll", "_CONTEXT", "ContextFlags");
    const ip = t.fieldOffset("ntdll", "_CONTEXT", regs.ip);
    const sp = t.fieldOffset("ntdll", "_CONTEXT", regs.sp);
    const addressOffset = t.fieldOffset("ntdll", "_EXCEPTION_RECORD", "ExceptionAddress");
    const parametersOffset = t.fieldOffset("ntdll", "_EXCEPTION_RECORD", "ExceptionInformation");
    if (flagsOffset === undefined || ip === undefined || sp === undefined) {
        return "ntdll's _CONTEXT has no ContextFlags/" + regs.ip + "/" + regs.sp + " fields: its symbols are not those of an " + arch + " ntdll";
    }
    if (addressOffset === undefined || parametersOffset === undefined)
        return "ntdll's _EXCEPTION_RECORD lacks ExceptionAddress/ExceptionInformation";
    return {
        arch, contextSize, flagsOffset, ipField: regs.ip, spField: regs.sp, recordSize,
        recordAddressOffset: addressOffset, recordParametersOffset: parametersOffset,
        contextExSize: t.typeSize("ntdll", "_CONTEXT_EX"),
    };
}
function readContext(t, types, address) {
    const o = t.typedObject(address, "ntdll", "_CONTEXT");
    if (!o)
        return "no _CONTEXT type";
    try {
        return { address, flags: toNumber(o.ContextFlags) >>> 0, ip: toInt64(o[types.ipField]), sp: toInt64(o[types.spField]) };
    }
    catch (e) {
        return "the CONTEXT at " + t.formatAddress(address) + " could not be read: " + errorMessage(e);
    }
}
function readRecord(t, types, address) {
    const o = t.typedObject(address, "ntdll", "_EXCEPTION_RECORD");
    if (!o)
        return "no _EXCEPTION_RECORD type";
    let code;
    let flags;
    let count;
    let nested;
    let exceptionAddress;
    try {
        code = toNumber(o.ExceptionCode) >>> 0;
        flags = toNumber(o.ExceptionFlags) >>> 0;
        count = toNumber(o.NumberParameters) >>> 0;
        nested = asAddress(o.ExceptionRecord);
        exceptionAddress = asAddress(o.ExceptionAddress);
    }
    catch (e) {
        return "the EXCEPTION_RECORD at " + t.formatAddress(address) + " could not be read: " + errorMessage(e);
    }
    if (code === 0)
        return "ExceptionCode is 0";
    if (flags > 0xff)
        return "ExceptionFlags 0x" + flags.toString(16) + " has undefined bits";
    if (count > MAX_PARAMETERS)
        return "NumberParameters " + count + " exceeds " + MAX_PARAMETERS;
    const parameters = [];
    if (count > 0) {
        const words = t.readPointerWords(addTo(address, types.recordParametersOffset), count);
        if (!words)
            return "the parameters of the EXCEPTION_RECORD at " + t.formatAddress(address) + " are not in the dump";
        const per = t.pointerSize() / 4;
        for (let i = 0; i < count; i++)
            parameters.push(fromHalves(per === 2 ? words[i * 2 + 1] : 0, words[i * per]));
    }
    return { address, code, flags, nested, exceptionAddress, parameters };
}
/** The stack that holds an address: the owning thread's TEB range, else this thread's range. */
function stackHolding(t, thread, address, fallbackBytes) {
    const [hi, lo] = halvesOf(address);
    const owner = t.stackOwner(hi, lo);
    if (owner)
        return { limit: fromHalves(owner.limitHi, owner.limitLo), base: fromHalves(owner.baseHi, owner.baseLo) };
    const r = t.stackRange(thread, fallbackBytes);
    return r instanceof Unavailable ? undefined : { limit: r.limit, base: r.base };
}
function inside(v, r) {
    return compareU64(v, r.limit) >= 0 && compareU64(v, r.base) < 0;
}
/** Why a CONTEXT is not plausible (empty when it is). `record` lets an execute fault outside modules pass. */
function contextProblems(t, types, thread, c, record, fallbackBytes) {
    const problems = [];
    const want = ARCH_FLAG[types.arch];
    if ((c.flags & ARCH_MASK) !== want || !(c.flags & CONTEXT_CONTROL)) {
        problems.push("ContextFlags 0x" + c.flags.toString(16) + " is not an " + types.arch + " CONTEXT with CONTEXT_CONTROL (0x" + (want | CONTEXT_CONTROL).toString(16) + ")");
    }
    const stack = stackHolding(t, thread, c.address, fallbackBytes);
    if (!stack)
        problems.push("the thread's stack range is unknown");
    else if (!inside(c.sp, stack)) {
        problems.push("its stack pointer " + t.formatAddress(c.sp) + " is outside the stack " + t.formatAddress(stack.limit) + " - " + t.formatAddress(stack.base));
    }
    if (!t.modules().find(c.ip) && !(record && compareU64(record.exceptionAddress, c.ip) === 0)) {
        problems.push("its instruction pointer " + t.formatAddress(c.ip) + " is not in a loaded module");
    }
    return problems;
}
/** Reads and validates candidates, each address once. */
class Validator {
    t;
    types;
    thread;
    opts;
    contexts = {};
    records = {};
    attempts = 0;
    /** The last reason a CONTEXT candidate was rejected (for the Suspicious row). */
    lastProblem;
    constructor(t, types, thread, opts) {
        this.t = t;
        this.types = types;
        this.thread = thread;
        this.opts = opts;
    }
    context(address, record) {
        const key = halvesOf(address).join(":");
        let c = this.contexts[key];
        if (c === undefined) {
            this.attempts++;
            c = readContext(this.t, this.types, address);
            this.contexts[key] = c;
        }
        if (typeof c === "string") {
            this.lastProblem = c;
            return undefined;
        }
        const problems = contextProblems(this.t, this.types, this.thread, c, record, this.opts.fallbackStackBytes);
        if (problems.length) {
            this.lastProblem = "the CONTEXT at " + this.t.formatAddress(address) + ": " + problems.join("; ");
            return undefined;
        }
        return c;
    }
    record(address) {
        const key = halvesOf(address).join(":");
        let r = this.records[key];
        if (r === undefined) {
            this.attempts++;
            r = readRecord(this.t, this.types, address);
            this.records[key] = r;
        }
        return typeof r === "string" ? undefined : r;
    }
    exhausted() {
        return this.attempts >= this.opts.maxCandidates;
    }
}
function align(n, to) {
    return Math.ceil(n / to) * to;
}
/** x64 / ARM64 KiUserExceptionDispatcher: the CONTEXT at the frame's stack pointer, the record after it. */
function atDispatcherFrame(v, types, sp, probeBytes) {
    const offsets = [];
    if (types.contextExSize !== undefined)
        offsets.push(align(types.contextSize + types.contextExSize, 16));
    for (let off = types.contextSize; off <= types.contextSize + probeBytes; off += 16)
        if (offsets.indexOf(off) < 0)
            offsets.push(off);
    // The record's ExceptionAddress is the CONTEXT's instruction pointer, for faults and RtlRaiseException alike.
    for (const off of offsets) {
        const record = v.record(addTo(sp, off));
        if (!record)
            continue;
        const context = v.context(sp, record);
        if (context && compareU64(record.exceptionAddress, context.ip) === 0)
            return { context, record, method: "dispatcher frame" };
    }
    const context = v.context(sp);
    return context ? { context, record: undefined, method: "dispatcher frame" } : undefined;
}
/** A slot of a block of pointer-sized words as (hi, lo). */
function slot$1(words, i, per) {
    return [per === 2 ? words[i * 2 + 1] >>> 0 : 0, words[i * per] >>> 0];
}
/**
 * Scans `bytes` of stack from `start`: (record*, context*) pairs first, then CONTEXT-shaped data with a
 * record whose ExceptionAddress is its instruction pointer. Distinct contexts (by instruction and stack
 * pointer), nearest to the top of the stack first.
 */
function scanStack(t, v, types, thread, start, bytes) {
    const ps = t.pointerSize();
    const per = ps / 4;
    // The whole window, else as much of its start as is in the dump.
    let count = Math.floor(bytes / ps);
    let words = count >= 2 ? t.readPointerWords(start, count) : undefined;
    while (!words && count > 2) {
        count = Math.max(2, count >> 1);
        words = t.readPointerWords(start, count);
    }
    if (!words)
        return [];
    const found = [];
    const seen = {};
    const add = (r) => {
        const key = halvesOf(r.context.ip).join(":") + "/" + halvesOf(r.context.sp).join(":");
        if (seen[key])
            return;
        seen[key] = true;
        found.push(r);
    };
    const range = t.stackRange(thread, 0x100000);
    const inStack = (hi, lo) => {
        if (lo % ps !== 0 || (hi === 0 && lo === 0))
            return false;
        if (t.stackOwner(hi, lo))
            return true;
        if (range instanceof Unavailable)
            return false;
        const [lh, ll] = halvesOf(range.limit);
        const [bh, bl] = halvesOf(range.base);
        return comparePair(hi, lo, lh, ll) >= 0 && comparePair(hi, lo, bh, bl) < 0;
    };
    // 1. (EXCEPTION_RECORD*, CONTEXT*) pairs: dispatcher arguments and EXCEPTION_POINTERS.
    for (let i = 0; i + 1 < count && !v.exhausted(); i++) {
        const [h0, l0] = slot$1(words, i, per);
        const [h1, l1] = slot$1(words, i + 1, per);
        if (!inStack(h0, l0) || !inStack(h1, l1) || (h0 === h1 && l0 === l1))
            continue;
        const record = v.record(fromHalves(h0, l0));
        if (!record)
            continue;
        const context = v.context(fromHalves(h1, l1), record);
        if (context)
            add({ context, record, method: "argument pair" });
    }
    if (found.length)
        return found;
    // 2. CONTEXT-shaped data (ContextFlags at its offset, aligned as the compiler aligns CONTEXT locals).
    const step = ps === 8 ? 16 : 4;
    const want = ARCH_FLAG[types.arch];
    const flagsWord = types.flagsOffset / 4;
    if (types.flagsOffset % 4 !== 0)
        return found;
    const [sh, sl] = halvesOf(start);
    for (let off = (step - (sl % step)) % step; off / 4 + flagsWord < count * per && !v.exhausted(); off += step) {
        const flags = words[off / 4 + flagsWord] >>> 0;
        if ((flags & ARCH_MASK) !== want || !(flags & CONTEXT_CONTROL))
            continue;
        const address = addTo(fromHalves(sh, sl), off);
        const context = v.context(address);
        if (!context)
            continue;
        // The record whose ExceptionAddress is this CONTEXT's instruction pointer.
        const [ih, il] = halvesOf(context.ip);
        let record;
        for (let j = 0; j < count && !record && !v.exhausted(); j++) {
            const [h, l] = slot$1(words, j, per);
            if (h !== ih || l !== il)
                continue;
            const at = addTo(start, j * ps - types.recordAddressOffset);
            const r = v.record(at);
            if (r && compareU64(r.exceptionAddress, context.ip) === 0)
                record = r;
        }
        add({ context, record, method: "context scan" });
    }
    return found;
}
/**
 * Recovers the exception state of one thread from its dispatching frames. `dispatcherSps` are the stack
 * pointers of its KiUserExceptionDispatcher frames; `scanFrom` is the lowest stack pointer of any
 * dispatching frame (where the scan starts when the dispatcher frames give nothing).
 */
function recoverThread(t, types, thread, dispatcherSps, scanFrom, opts) {
    const v = new Validator(t, types, thread, opts);
    const found = [];
    if (types.arch !== "x86") {
        for (const sp of dispatcherSps) {
            const r = atDispatcherFrame(v, types, sp, opts.recordProbeBytes);
            if (r)
                found.push(r);
        }
    }
    if (found.length === 0 && scanFrom) {
        // x86 passes pointers; elsewhere the records may sit in RtlRaiseException's or the filter's frame.
        const range = t.stackRange(thread, opts.fallbackStackBytes);
        let bytes = opts.scanBytes;
        if (!(range instanceof Unavailable)) {
            const room = differenceOf(range.base, scanFrom);
            if (room !== undefined && room > 0)
                bytes = Math.min(bytes, room);
        }
        for (const r of scanStack(t, v, types, thread, scanFrom, bytes))
            found.push(r);
    }
    return { found, problem: found.length ? undefined : v.lastProblem };
}
/**
 * The thrown C++ type from the MSVC throw information (ehdata.h layouts: ThrowInfo.pCatchableTypeArray at
 * +0xc, CatchableTypeArray.arrayOfCatchableTypes[0] at +4, CatchableType.pType at +4, TypeDescriptor.name
 * after two pointers). 64-bit throws store image-relative offsets from Parameter[3]; 32-bit ones pointers.
 * Undefined when the module's data is not in the dump (minidumps rarely hold it).
 */
function cppThrowType(t, params) {
    if (params.length < 3)
        return undefined;
    const ps = t.pointerSize();
    const base = ps === 8 ? params[3] : undefined;
    if (ps === 8 && !base)
        return undefined;
    const at = (v) => base ? addTo(base, v) : fromHalves(0, v);
    const u32 = (address, offset) => {
        const b = t.readBytes(addTo(address, offset), 4);
        return b ? (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 : undefined;
    };
    const array = u32(params[2], 0xc);
    if (!array)
        return undefined;
    const first = u32(at(array), 4);
    if (!first)
        return undefined;
    const descriptor = u32(at(first), 4);
    if (!descriptor)
        return undefined;
    // The name, 16 bytes at a time up to its terminator (a byte at a time where a piece crosses the end of the dump).
    const start = addTo(at(descriptor), 2 * ps);
    let name = "";
    for (let off = 0; off < 256; off += 16) {
        let piece = t.readBytes(addTo(start, off), 16);
        if (!piece) {
            const partial = [];
            for (let i = 0; i < 16; i++) {
                const b = t.readBytes(addTo(start, off + i), 1);
                if (!b)
                    break;
                partial.push(b[0]);
            }
            piece = partial;
        }
        for (let i = 0; i < piece.length; i++) {
            if (piece[i] === 0)
                return name.indexOf(".?A") === 0 ? demangleTypeName(name) : undefined;
            name += String.fromCharCode(piece[i]);
        }
        if (piece.length < 16)
            return undefined;
    }
    return undefined;
}

/** Frames that show a thread dispatching, raising or reporting an exception (module!function, `*` wildcards). */
const DISPATCH_FUNCTIONS = [
    "ntdll!KiUserExceptionDispatch*", "ntdll!KiRaiseUserExceptionDispatcher", "ntdll!RtlDispatchException", "ntdll!RtlRaiseException",
    "kernelbase!RaiseException", "kernel32!RaiseException", "kernelbase!RaiseFailFastException", "kernel32!RaiseFailFastException",
    "*!_CxxThrowException", "kernelbase!UnhandledExceptionFilter", "kernel32!UnhandledExceptionFilter",
    "*!WerpReportFault*", "ntdll!RtlReportException*",
];
/** Where the kernel puts the CONTEXT and EXCEPTION_RECORD of a user-mode exception. */
const DISPATCHER = "ntdll!KiUserExceptionDispatch*";
/** Frames that mean WER is reporting (the Exception Reporting Thread). */
const REPORTING = ["*!WerpReportFault*", "kernelbase!UnhandledExceptionFilter", "kernel32!UnhandledExceptionFilter", "ntdll!RtlReportException*"];
/** Modules of the exception machinery itself: the faulting module is the first frame outside them. */
const SYSTEM_MODULES = ["ntdll", "kernelbase", "kernel32", "vcruntime*", "msvcr*", "msvcp*", "ucrtbase*", "wow64*", "clr", "coreclr", "mscorwks"];
function matchesAny$1(func, patterns) {
    for (const p of patterns)
        if (matchesFunction(func, p))
            return true;
    return false;
}
function run(command) {
    try {
        const out = [];
        for (const line of host.namespace.Debugger.Utility.Control.ExecuteCommand(command))
            out.push(String(line));
        return out;
    }
    catch (e) {
        return notAvailable("`" + command + "` failed: " + errorMessage(e));
    }
}
function same(a, b) {
    return compareU64(a, b) === 0;
}
function hexList(values) {
    return values.map((v) => hex$3(v));
}
/**
 * Exception Stack Trace: the exception that ended the process (the dump's exception record) and the
 * hidden ones that threads are still dispatching, each with its CONTEXT, record and stack.
 *
 * The pattern: the stack of the thread on which an exception was raised is the first thing to read in a
 * crash dump. A dump often holds more than one: the primary exception (`.exr -1`, `.ecxr`), threads whose
 * frames show exception dispatching that never reached the debugger (handled, nested, or still in progress
 * when the dump was written: Multiple Exceptions), and the thread that reports a crash to WER (Exception
 * Reporting Thread).
 *
 * Detection: the primary exception is `.exr -1` (parsed; WinDbg's and the Linux runner's format) with its
 * thread and chance from `.lastevent` and its stack from `.ecxr; kn` (then `.cxr` resets the scope; turn off
 * with `Config.ExceptionStackTraces.EcxrStack`). Hidden exceptions: every thread's frames are checked for
 * KiUserExceptionDispatcher, RtlDispatchException, RtlRaiseException, RaiseException, RaiseFailFastException,
 * _CxxThrowException, UnhandledExceptionFilter, WerpReportFault and RtlReportException. The CONTEXT and
 * EXCEPTION_RECORD are recovered where dispatching leaves them: at an x64 KiUserExceptionDispatcher frame's
 * stack pointer (the record after it, at sizeof(_CONTEXT) plus the CONTEXT_EX gap, from ntdll's types),
 * from the (record, context) pointer pairs x86 passes and EXCEPTION_POINTERS hold, or from CONTEXT-shaped
 * data above the dispatching frames. A CONTEXT is reported only when its ContextFlags name the architecture
 * with CONTEXT_CONTROL, its stack pointer is in the thread's stack and its instruction pointer in a module.
 * Codes are named (NTSTATUS, C++ 0xE06D7363 with the thrown type when the dump holds the throw information,
 * CLR, fail-fast subcodes); access violations say read / write / execute (DEP) and flag NULL-ish addresses.
 *
 * Verdicts: Positive for the primary exception and for each hidden exception with a valid CONTEXT; Info for
 * benign codes (thread naming, debug output, WER hang reports); Suspicious for a thread that shows
 * dispatching but whose CONTEXT could not be recovered; Negative when `.exr -1` has no record and no thread
 * dispatches; Info when `.exr -1` is not available or ntdll's types are missing.
 *
 * False positives: a thread may be dispatching an exception it will handle (first chance, C++ exceptions
 * used for control flow); RaiseException frames of the dump writer itself; a stale copy of a CONTEXT above
 * the dispatching frames (the scan; its rows say Source "heuristic"). The primary exception of a hang dump
 * written by WER is the pseudo-code 0xCFFFFFFF, not a fault.
 *
 * @function ExceptionStackTraces
 * @memberof Ewmda
 * @returns {ResultSet} One row per exception: Kind (Primary / Hidden / Dispatching), Thread, Code, Exception, Detail, Address, Symbol, FaultingModule, FirstChance, ContextAddress, ExceptionRecordAddress, Anchor, Frames, FramesFrom, Verdict, Evidence, Source.
 * @example dx @$ewmda.ExceptionStackTraces()
 * @example dx -g @$ewmda.ExceptionStackTraces().Where(r => r.Kind == "Hidden")
 * @example !ewmda.exceptions
 */
const exceptionStackTraces = defineAnalysis({
    meta: {
        name: "ExceptionStackTraces",
        command: "exceptions",
        summary: "The primary exception (.exr -1, .ecxr) and hidden ones recovered from dispatching threads, with their stacks",
        patterns: ["Exception Stack Trace"],
        targets: "user",
        version: "1.0.0",
        params: [],
        options: [],
        columns: [
            { name: "Kind", type: "string", help: "Primary (.exr -1), Hidden (recovered from a dispatching thread) or Dispatching (no record recovered)" },
            { name: "Thread", type: "hex", help: "Thread id" },
            { name: "Code", type: "hex", help: "Exception code (NTSTATUS or application-defined)" },
            { name: "Exception", type: "string", help: "Name and meaning of the code" },
            { name: "Detail", type: "string", help: "What the parameters say: access kind and address, fail-fast subcode, C++ type" },
            { name: "Address", type: "address", help: "ExceptionAddress: where the exception was raised" },
            { name: "Symbol", type: "string", help: "Symbol of the exception address" },
            { name: "FaultingModule", type: "string", help: "First module of the exception stack outside the exception machinery (ntdll, kernelbase, C runtime)" },
            { name: "FirstChance", type: "bool", help: "First chance (true) or second chance (false), from .lastevent; primary exception only", table: false },
            { name: "ContextAddress", type: "address", help: "Address of the recovered CONTEXT (.cxr <address>)", table: false },
            { name: "ExceptionRecordAddress", type: "address", help: "Address of the recovered EXCEPTION_RECORD (.exr <address>)", table: false },
            { name: "Anchor", type: "string", help: "The dispatching frame the exception was found from", table: false },
            { name: "Frames", type: "string", help: "The exception stack, innermost frame first", table: false },
            { name: "FramesFrom", type: "string", help: "Where Frames come from: .ecxr (kn under the exception context), context (the thread's frames from the CONTEXT's instruction pointer on) or thread (its current stack)", table: false },
        ],
        settings: {
            EcxrStack: {
                default: true,
                help: "Read the primary exception's stack with `.ecxr; kn` (then `.cxr` resets the register scope)",
                reason: "the exception context's stack is the exact faulting stack; without it the faulting thread's own frames are used",
            },
            ScanBytes: {
                default: 0x3000,
                help: "Stack bytes scanned above the first dispatching frame for CONTEXT / EXCEPTION_RECORD pairs",
                reason: "RtlDispatchException, RaiseException and the unhandled-exception filter keep their records within a few KiB; 12 KiB holds an x64 CONTEXT (0x4d0) many times over",
            },
            RecordProbeBytes: {
                default: 0x40,
                help: "Bytes past the end of a KiUserExceptionDispatcher CONTEXT searched for its EXCEPTION_RECORD",
                reason: "Windows 7+ puts a CONTEXT_EX (0x18-0x20 bytes, 16-byte aligned) between them, older systems nothing",
            },
            MaxCandidates: {
                default: 64,
                help: "CONTEXT / EXCEPTION_RECORD candidates validated per thread",
                reason: "bounds typed reads on stacks full of pointers; a real dispatch needs a handful",
            },
            MaxFrames: {
                default: 16,
                help: "Frames kept in the Frames column",
                reason: "the faulting function and its callers; kn on the row's Evidence shows the rest",
            },
            FallbackStackBytes: {
                default: 0x100000,
                help: "Stack size assumed above the stack pointer when the TEB cannot be read",
                reason: "1 MiB is the default reserved stack size of Windows executables",
            },
        },
    },
    *run(ctx, args) {
        const t = ctx.target;
        const cfg = ctx.settings;
        for (const a of args) {
            if (a !== undefined && a !== null) {
                ctx.summary("ExceptionStackTraces: takes no arguments");
                yield { Verdict: "Info", Evidence: "ExceptionStackTraces takes no arguments (got " + String(a) + "); filter the rows instead: .Where(r => r.Thread == 0x1a4)", Source: "heuristic" };
                return;
            }
        }
        if (t.isKernel()) {
            ctx.summary("ExceptionStackTraces: kernel target");
            yield { Verdict: "Info", Evidence: "kernel target: this analysis reads a process dump's exception; use .bugcheck, !analyze -v and .trap/.cxr from the bugcheck parameters", Source: "typed" };
            return;
        }
        const ps = t.pointerSize();
        const threads = t.threads();
        const types = exceptionTypes(t);
        const exrLines = run(".exr -1");
        const exr = exrLines instanceof Unavailable ? undefined : parseExr(exrLines);
        const lastLines = run(".lastevent");
        const last = lastLines instanceof Unavailable ? undefined : parseLastEvent(lastLines);
        const dispatching = [];
        let unreadableStacks = 0;
        for (const s of t.threadStacks()) {
            if (s.frames instanceof Unavailable) {
                unreadableStacks++;
                continue;
            }
            const frames = s.frames;
            const anchors = frames.filter((f) => matchesAny$1(f.func, DISPATCH_FUNCTIONS));
            if (!anchors.length)
                continue;
            if (typeof types === "string") {
                dispatching.push({ thread: s.thread, frames, anchors, recovered: [], problem: types });
                continue;
            }
            const dispatcherSps = [];
            let lowest;
            for (const f of anchors) {
                if (!f.sp)
                    continue;
                if (matchesFunction(f.func, DISPATCHER))
                    dispatcherSps.push(f.sp);
                if (!lowest || compareU64(f.sp, lowest) < 0)
                    lowest = f.sp;
            }
            // x86 passes (record, context) pointers just below or at the dispatcher's frame: start a little lower.
            const scanFrom = lowest ? addTo(lowest, types.arch === "x86" ? -8 * ps : 0) : undefined;
            const r = recoverThread(t, types, s.thread, dispatcherSps, scanFrom, {
                recordProbeBytes: cfg.RecordProbeBytes, scanBytes: cfg.ScanBytes, maxCandidates: cfg.MaxCandidates, fallbackStackBytes: cfg.FallbackStackBytes,
            });
            dispatching.push({ thread: s.thread, frames, anchors, recovered: r.found, problem: r.problem });
        }
        const rows = [];
        let primaryThread;
        let merged;
        if (exr && exr.kind === "record") {
            const address = parseAddress(exr.address);
            // The same exception recovered from a thread's stack gives the primary row its CONTEXT and record.
            let owner;
            for (const d of dispatching) {
                for (const r of d.recovered) {
                    if (!merged && r.record && address && r.record.code === exr.code && same(r.record.exceptionAddress, address) &&
                        (!last || last.threadId === d.thread.id)) {
                        merged = r;
                        owner = d;
                    }
                }
            }
            const current = t.currentThread();
            primaryThread = last ? last.threadId : owner ? owner.thread.id : current ? current.id : undefined;
            rows.push(primaryRow(t, cfg, exr, address, last, primaryThread, owner, merged, current !== undefined && primaryThread === current.id));
        }
        let hidden = 0;
        let unrecovered = 0;
        for (const d of dispatching) {
            for (const r of d.recovered) {
                if (r === merged)
                    continue;
                hidden++;
                rows.push(hiddenRow(t, cfg, d.thread, d.frames, d.anchors, r));
            }
            if (!d.recovered.length) {
                unrecovered++;
                rows.push(unrecoveredRow(t, d.thread, d.anchors, d.problem, typeof types === "string", d.thread.id === primaryThread));
            }
        }
        for (const r of rows)
            yield r;
        const examined = threads.length + " threads" + (unreadableStacks ? " (" + unreadableStacks + " without readable frames)" : "");
        if (typeof types === "string" && dispatching.length) {
            yield { Verdict: "Info", Evidence: types + ": the CONTEXT and EXCEPTION_RECORD of " + dispatching.length + " dispatching thread(s) cannot be recovered", Source: "typed" };
        }
        if (!exr || exr.kind === "unrecognized") {
            const why = exrLines instanceof Unavailable ? exrLines.reason : "its output is not an exception record: \"" + (exr ? exr.text : "") + "\"";
            yield {
                Verdict: "Info", Source: "command",
                Evidence: ".exr -1 is not available (" + why + "): the primary exception is unknown; " + dispatching.length + " of " + examined +
                    " show exception dispatching (.lastevent and .ecxr on the dump in WinDbg give the primary exception)",
            };
        }
        else if (exr.kind === "none" && !dispatching.length) {
            yield {
                Verdict: "Negative", Source: "command",
                Evidence: "no exception: .exr -1 says \"" + exr.text + "\" and 0 of " + examined + " show exception dispatching (KiUserExceptionDispatcher, RtlDispatchException, RaiseException, _CxxThrowException, UnhandledExceptionFilter, WerpReportFault)",
            };
        }
        const primaryText = exr && exr.kind === "record" ? "primary " + hex$3(exr.code) + (primaryThread !== undefined ? " on thread 0x" + primaryThread.toString(16) : "") : exr && exr.kind === "none" ? "no primary exception" : "primary exception unknown";
        ctx.summary("ExceptionStackTraces: " + primaryText + ", " + hidden + " hidden recovered, " + unrecovered + " dispatching thread(s) without a record; " + examined + " examined");
    },
    rowText(row) {
        if (row.Kind === undefined)
            return row.Verdict + ": " + row.Evidence;
        if (row.Kind === "Dispatching")
            return "Dispatching thread 0x" + Number(row.Thread).toString(16) + ": " + String(row.Anchor) + " (no record recovered)";
        const tid = typeof row.Thread === "number" ? "thread 0x" + row.Thread.toString(16) : "thread ?";
        const code = typeof row.Code === "number" ? " " + hex$3(row.Code) : "";
        const at = typeof row.Symbol === "string" ? " at " + row.Symbol : "";
        return String(row.Kind) + " " + tid + code + at + (typeof row.Detail === "string" ? ": " + row.Detail : "");
    },
});
function symbolOf$1(t, address) {
    const m = t.modules().find(address);
    return m ? t.symbolize(address, m).text : t.formatAddress(address);
}
/** The frames from the one whose address is `ip` on (searching from `from`), else from `from`. */
function framesFrom(frames, ip, from) {
    for (let j = Math.max(0, from); j < frames.length; j++)
        if (same(frames[j].ip, ip))
            return { list: frames.slice(j), fromContext: true };
    return { list: frames.slice(Math.max(0, from)), fromContext: false };
}
function faultingModule(t, frames, address) {
    for (const f of frames) {
        if (f.module && !matchesAny$1(f.module.symbolName, SYSTEM_MODULES))
            return f.module.name;
    }
    const m = address ? t.modules().find(address) : undefined;
    return m ? m.name : undefined;
}
/** The same from `kn` call sites (`module!function+0x..`, `module+0x..`). */
function faultingModuleOfText(t, callSites, address) {
    for (const site of callSites) {
        const name = site.split(/[!+]/)[0];
        if (name && !matchesAny$1(name, SYSTEM_MODULES)) {
            const m = t.modules().byName(name);
            return m ? m.name : name;
        }
    }
    return faultingModule(t, [], address);
}
function frameText$1(list, max) {
    return list.slice(0, max).join(" <- ") + (list.length > max ? " <- ... (" + (list.length - max) + " more)" : "");
}
function detailOf(t, code, parameters, flags, cppType, nested) {
    const parts = [];
    const meaning = describeParameters(code, parameters, t.pointerSize());
    if (meaning)
        parts.push(meaning.detail);
    if (cppType)
        parts.push("type " + cppType);
    if (flags)
        parts.push("flags " + exceptionFlagsText(flags));
    if (nested && !same(nested, fromHalves(0, 0)))
        parts.push("chained record at " + t.formatAddress(nested) + " (.exr " + t.formatAddress(nested) + ")");
    return parts.length ? parts.join("; ") : undefined;
}
function verdictOf(code) {
    const info = exceptionCodeInfo(code);
    return info && info.benign ? "Info" : "Positive";
}
function benignNote(code) {
    const info = exceptionCodeInfo(code);
    return info && info.benign ? " (benign: " + info.benign + ")" : "";
}
function primaryRow(t, cfg, exr, address, last, tid, owner, merged, isCurrent) {
    // The stack: .ecxr; kn, else the recovered context's frames, else the thread's own frames.
    let frames;
    let from = "thread";
    let exceptionFrames = [];
    if (cfg.EcxrStack) {
        const lines = run(".ecxr;kn;.cxr");
        if (!(lines instanceof Unavailable) && !/unable to get exception context|no exception/i.test(lines.join("\n"))) {
            const parsed = parseStackText(lines);
            if (parsed.length) {
                frames = parsed.map((f) => f.callSite);
                from = ".ecxr";
            }
        }
    }
    const thread = tid !== undefined ? t.findThread(tid) : undefined;
    const threadFrames = owner ? owner.frames : thread ? t.threadStack(thread).frames : undefined;
    if (Array.isArray(threadFrames) && address) {
        const list = threadFrames;
        const anchor = merged && owner ? owner.anchors.filter((a) => a.sp && same(a.sp, merged.context.address))[0] : undefined;
        const r = framesFrom(list, merged ? merged.context.ip : address, anchor ? anchor.index + 1 : 0);
        exceptionFrames = r.list;
        if (!frames) {
            frames = r.list.map((f) => f.symbol);
            from = r.fromContext ? "context" : "thread";
        }
    }
    let cppType = exr.cppTypes.length ? exr.cppTypes[0] : undefined;
    if (!cppType && exr.code === 0xe06d7363)
        cppType = cppThrowType(t, exr.parameters.map((p) => parseAddress(p)).filter((p) => p !== undefined));
    const cxr = merged ? "; .cxr " + t.formatAddress(merged.context.address) + "; kn" : "; .ecxr; kn";
    const tidText = tid !== undefined ? "0x" + tid.toString(16) : "?";
    return {
        Kind: "Primary",
        Thread: tid,
        Code: exr.code,
        Exception: exceptionCodeText(exr.code) + benignNote(exr.code),
        Detail: detailOf(t, exr.code, exr.parameters, exr.flags, cppType, merged && merged.record ? merged.record.nested : undefined),
        Address: address,
        Symbol: address ? symbolOf$1(t, address) : exr.location,
        FaultingModule: from === ".ecxr" && frames ? faultingModuleOfText(t, frames, address) : faultingModule(t, exceptionFrames, address),
        FirstChance: last ? (last.firstChance === undefined ? notAvailable(".lastevent: " + last.description) : last.firstChance) : notAvailable(".lastevent gave no event"),
        ContextAddress: merged ? merged.context.address : undefined,
        ExceptionRecordAddress: merged && merged.record ? merged.record.address : undefined,
        Anchor: merged ? "the dump's exception record; also at the thread's KiUserExceptionDispatcher frame" : "the dump's exception record (.exr -1)",
        Frames: frames ? frameText$1(frames, cfg.MaxFrames) : notAvailable("no frames for thread " + tidText + (isCurrent ? "" : " (.ecxr; kn shows them)")),
        FramesFrom: frames ? from : undefined,
        Verdict: verdictOf(exr.code),
        Evidence: (tid !== undefined ? "~~[" + tid.toString(16) + "]s; " : "") + ".exr -1" + cxr + (last ? "; .lastevent: " + last.description : ""),
        Source: "command",
    };
}
function hiddenRow(t, cfg, thread, frames, anchors, r) {
    const c = r.context;
    const rec = r.record;
    // The frame the record was found at, else the dispatcher frame (x86 arguments), else the first dispatching frame.
    const atFrame = anchors.filter((a) => a.sp && same(a.sp, c.address))[0];
    const dispatcher = anchors.filter((a) => matchesFunction(a.func, DISPATCHER))[0];
    const anchor = atFrame || dispatcher || anchors[0];
    const start = atFrame || dispatcher ? anchor.index + 1 : anchor.index;
    const f = framesFrom(frames, c.ip, start);
    const address = rec ? rec.exceptionAddress : c.ip;
    const reporting = anchors.some((a) => matchesAny$1(a.func, REPORTING));
    let cppType;
    if (rec && rec.code === 0xe06d7363)
        cppType = cppThrowType(t, rec.parameters);
    const tid = thread.id.toString(16);
    return {
        Kind: "Hidden",
        Thread: thread.id,
        Code: rec ? rec.code : undefined,
        Exception: rec ? exceptionCodeText(rec.code) + benignNote(rec.code) : notAvailable("no EXCEPTION_RECORD was found next to the CONTEXT"),
        Detail: rec ? detailOf(t, rec.code, hexList(rec.parameters), rec.flags, cppType, rec.nested) : undefined,
        Address: address,
        Symbol: symbolOf$1(t, address),
        FaultingModule: faultingModule(t, f.list, address),
        FirstChance: undefined,
        ContextAddress: c.address,
        ExceptionRecordAddress: rec ? rec.address : undefined,
        Anchor: anchor.func + " (frame " + anchor.index + ", " + r.method + ")" + (reporting ? "; the thread is reporting it to WER" : ""),
        Frames: frameText$1(f.list.map((x) => x.symbol), cfg.MaxFrames),
        FramesFrom: f.fromContext ? "context" : "thread",
        Verdict: rec ? verdictOf(rec.code) : "Positive",
        Evidence: "~~[" + tid + "]s; .cxr " + t.formatAddress(c.address) + "; kn" + (rec ? "; .exr " + t.formatAddress(rec.address) : "") +
            (f.fromContext ? "" : " (the thread's frames do not pass through the CONTEXT's " + t.formatAddress(c.ip) + ": kn after .cxr shows its stack)"),
        Source: (r.method === "dispatcher frame" ? "typed" : "heuristic"),
    };
}
function unrecoveredRow(t, thread, anchors, problem, noTypes, isPrimary) {
    const a = anchors[0];
    const tid = thread.id.toString(16);
    const names = anchors.map((x) => x.func + " (frame " + x.index + ")");
    const unique = names.filter((n, i) => names.indexOf(n) === i);
    const why = noTypes ? problem || "ntdll's types are missing" : problem ? "no valid CONTEXT found: " + problem : "no CONTEXT or EXCEPTION_RECORD found above the dispatching frames";
    return {
        Kind: "Dispatching",
        Thread: thread.id,
        Anchor: unique.join(", "),
        // The primary exception's thread dispatches the exception the Primary row already names: context, not a finding.
        Verdict: isPrimary ? "Info" : "Suspicious",
        Evidence: "~~[" + tid + "]s; kn: thread 0x" + tid + " shows exception dispatching at " + unique[0] + (a.sp ? " (Child-SP " + t.formatAddress(a.sp) + ")" : "") + "; " + why +
            (isPrimary ? " (the primary exception's thread: .ecxr gives its context)" : ""),
        Source: "heuristic",
    };
}

/**
 * Critical sections of a user-mode process (patterns.md §3): their layout (typed from ntdll's symbols,
 * else winnt.h's documented RTL_CRITICAL_SECTION, which has not changed since NT 3.1), the LockCount
 * encoding (Vista and later versus older systems), the process's list `ntdll!RtlCriticalSectionList`
 * walked with bounds, and the lock a thread waiting in EnterCriticalSection waits for, found on its stack.
 * Shared by LockWaitChains and MessageWaitChains (a message chain can continue through a lock).
 */
/**
 * Decodes LockCount. Vista and later: bit 0 clear = locked, bit 1 clear = a waiter was woken, the
 * remaining bits are the ones' complement of the number of waiters, so waiters = (-1 - LockCount) >> 2
 * and a free section is -1. Before Vista: -1 = free, otherwise LockCount counts every entry after the
 * first, recursive ones included, so waiters = LockCount - (RecursionCount - 1).
 */
function decodeLockCount(lockCount, recursionCount, vistaEncoding) {
    const lc = lockCount | 0;
    if (vistaEncoding) {
        if (lc >= 0)
            return { locked: false, waiters: 0, valid: false };
        return { locked: (lc & 1) === 0, waiters: (~lc >>> 0) >>> 2, valid: true };
    }
    if (lc === -1)
        return { locked: false, waiters: 0, valid: true };
    if (lc < -1)
        return { locked: false, waiters: 0, valid: false };
    return { locked: true, waiters: Math.max(0, lc - Math.max(0, recursionCount - 1)), valid: true };
}
function keyOf(hi, lo) {
    return hi + ":" + lo;
}
function addressKey(a) {
    const [hi, lo] = halvesOf(a);
    return keyOf(hi, lo);
}
/** Functions of ntdll's critical-section wait path (from the shared wait rules). */
const CS_FUNCTIONS = (() => {
    const rule = SPECIFIC_WAITS.filter((r) => r.category === "critical-section")[0];
    return (rule ? rule.functions : []).concat(["ntdll!RtlpEnterCriticalSection*", "ntdll!RtlpWaitOnCriticalSection*"]);
})();
function isCriticalSectionFrame(f) {
    return f.hasSymbol && CS_FUNCTIONS.some((p) => matchesFunction(f.func, p));
}
/** Everything about critical sections that one analysis call reads, read once. */
class CriticalSections {
    t;
    layout;
    vistaEncoding;
    ps;
    cache = {};
    constructor(t) {
        this.t = t;
        this.ps = t.pointerSize();
        this.layout = readLayout(t, this.ps);
        const major = osMajorVersion(t);
        // Without a readable PEB, assume a supported system (Vista or later).
        this.vistaEncoding = major === undefined || major >= 6;
    }
    /** The critical section at an address (cached), or undefined when it cannot be read. */
    read(address, origin) {
        const [hi, lo] = halvesOf(address);
        const key = keyOf(hi, lo);
        const hit = this.cache[key];
        if (hit !== undefined)
            return hit || undefined;
        const L = this.layout;
        const words = this.t.readPointerWords(address, Math.ceil(L.size / this.ps));
        let cs = null;
        if (words) {
            const lockCount = words[L.lockCount / 4] | 0;
            const recursionCount = words[L.recursionCount / 4] | 0;
            const [ownerHi, ownerLo] = this.pointerAt(words, L.owningThread);
            const [dHi, dLo] = this.pointerAt(words, L.debugInfo);
            cs = {
                address: fromHalves(hi, lo), key, debugInfo: fromHalves(dHi, dLo), lockCount, recursionCount,
                owner: ownerHi === 0 && ownerLo !== 0 ? ownerLo : undefined,
                state: ownerHi !== 0 ? { locked: false, waiters: 0, valid: false } : decodeLockCount(lockCount, recursionCount, this.vistaEncoding),
                origin,
            };
        }
        this.cache[key] = cs;
        return cs || undefined;
    }
    /**
     * Walks ntdll!RtlCriticalSectionList through _RTL_CRITICAL_SECTION_DEBUG.ProcessLocksList, bounded and
     * with a visited set: the list can be corrupt, cut short by missing memory, or loop without returning to its head.
     */
    walkList(maxEntries) {
        const head = listHead(this.t);
        if (!head) {
            const why = this.layout.typed ? "ntdll's symbols do not include it" : "ntdll symbols are not loaded";
            return { available: false, head: undefined, sections: [], entries: 0, stale: 0, problems: ["ntdll!RtlCriticalSectionList is not available (" + why + ")"] };
        }
        const ps = this.ps;
        const L = this.layout;
        const problems = [];
        const debugOf = {};
        const order = [];
        const [headHi, headLo] = halvesOf(head);
        const headWords = this.t.readPointerWords(head, 2);
        if (!headWords) {
            return { available: true, head, sections: [], entries: 0, stale: 0, problems: ["the list head ntdll!RtlCriticalSectionList at " + this.t.formatAddress(head) + " is not in the dump"] };
        }
        let [eHi, eLo] = this.pointerAt(headWords, 0);
        let [prevHi, prevLo] = [headHi, headLo];
        const visited = {};
        const span = Math.max(L.debugCriticalSection + ps, L.debugLocksList + 2 * ps);
        let entries = 0;
        let badBlink = 0;
        for (;;) {
            if (comparePair(eHi, eLo, headHi, headLo) === 0)
                break;
            const here = this.t.formatAddress(fromHalves(eHi, eLo));
            if (eHi === 0 && eLo === 0) {
                problems.push("a null Flink after " + entries + " entries (the list is damaged)");
                break;
            }
            const key = keyOf(eHi, eLo);
            if (visited[key]) {
                problems.push("the list loops back to " + here + " after " + entries + " entries without returning to its head (the list is damaged)");
                break;
            }
            if (entries >= maxEntries) {
                problems.push("the walk stopped after " + maxEntries + " entries (Config.LockWaitChains.MaxListEntries)");
                break;
            }
            visited[key] = true;
            const debug = addTo(fromHalves(eHi, eLo), -L.debugLocksList);
            const words = this.t.readPointerWords(debug, span / ps);
            if (!words) {
                problems.push("the debug record at " + this.t.formatAddress(debug) + " (entry " + here + ") is not in the dump; the walk stopped after " + entries + " entries");
                break;
            }
            entries++;
            const [cHi, cLo] = this.pointerAt(words, L.debugCriticalSection);
            const [bHi, bLo] = this.pointerAt(words, L.debugLocksList + ps);
            if (comparePair(bHi, bLo, prevHi, prevLo) !== 0)
                badBlink++;
            if (cHi !== 0 || cLo !== 0) {
                const csKey = keyOf(cHi, cLo);
                if (!debugOf[csKey]) {
                    debugOf[csKey] = debug;
                    order.push(fromHalves(cHi, cLo));
                }
            }
            [prevHi, prevLo] = [eHi, eLo];
            [eHi, eLo] = this.pointerAt(words, L.debugLocksList);
        }
        if (badBlink)
            problems.push(badBlink + " entries whose Blink does not point to the previous entry (the list is damaged)");
        const sections = [];
        let stale = 0;
        for (const a of order) {
            const cs = this.read(a, "list");
            if (!cs) {
                stale++;
                continue;
            }
            // A section that no longer points back to its debug record was freed or reused.
            const [dHi, dLo] = halvesOf(cs.debugInfo);
            const [rHi, rLo] = halvesOf(debugOf[cs.key]);
            if (comparePair(dHi, dLo, rHi, rLo) !== 0) {
                stale++;
                continue;
            }
            sections.push(cs);
        }
        return { available: true, head, sections, entries, stale, problems };
    }
    /**
     * The critical section a waiting thread waits for: the first locked critical section not owned by the
     * thread among the pointer slots between the top of its stack and its caller's argument area (the
     * caller of RtlEnterCriticalSection passed the address; the wait path keeps it in saved registers and
     * locals). Known sections (from the list) are matched first, without reads; only when none of them is
     * locked are the other values read as critical sections, at most `MaxProbesPerThread`, and taken only
     * when every field looks like a locked one. A known section that is free is the answer when nothing
     * locked is found (the lock was released while the dump was written).
     */
    findWaitedLock(stack, waitFrame, known, s) {
        const ps = this.ps;
        const frames = Array.isArray(stack.frames) ? stack.frames : [];
        const start = frames.length && frames[0].sp ? frames[0].sp : this.t.stackPointer(stack.thread);
        if (!start)
            return { lock: undefined, start: undefined, end: undefined, note: "the thread has no stack pointer" };
        let k = waitFrame ? waitFrame.index : 0;
        while (k + 1 < frames.length && isCriticalSectionFrame(frames[k + 1]))
            k++;
        const caller = frames[k + 1];
        let slots = s.MaxScanSlots;
        if (caller && caller.sp) {
            const [aHi, aLo] = halvesOf(start);
            const [cHi, cLo] = halvesOf(caller.sp);
            const d = (cHi - aHi) * 4294967296 + (cLo - aLo);
            if (d >= 0)
                slots = Math.min(s.MaxScanSlots, Math.floor(d / ps) + s.CallerSlots);
        }
        slots = Math.max(1, slots);
        let words = this.t.readPointerWords(start, slots);
        while (!words && slots > 1) {
            // The range runs into memory missing from the dump: keep the readable start.
            slots = slots >> 1;
            words = this.t.readPointerWords(start, slots);
        }
        if (!words)
            return { lock: undefined, start, end: undefined, note: "the stack at " + this.t.formatAddress(start) + " is not in the dump" };
        const modules = this.t.modules();
        const self = stack.thread.id;
        const scanned = addTo(start, slots * ps);
        const values = [];
        const seen = {};
        for (let i = 0; i < slots; i++) {
            const [hi, lo] = this.pointerAt(words, i * ps);
            if ((lo & (ps - 1)) !== 0 || (hi === 0 && lo < 0x10000))
                continue;
            const key = keyOf(hi, lo);
            if (!seen[key]) {
                seen[key] = true;
                values.push([hi, lo]);
            }
        }
        // Known sections first (no reads), nearest the top of the stack first; then unknown values, read as sections.
        let unlocked;
        for (const [hi, lo] of values) {
            const cs = known[keyOf(hi, lo)];
            if (!cs || cs.owner === self)
                continue;
            if (cs.state.locked)
                return { lock: cs, start, end: scanned, note: undefined };
            if (!unlocked && cs.state.valid)
                unlocked = cs;
        }
        let probes = 0;
        for (const [hi, lo] of values) {
            if (probes >= s.MaxProbesPerThread)
                break;
            const key = keyOf(hi, lo);
            if (known[key] || this.cache[key] === null)
                continue;
            const m = modules.findPair(hi, lo);
            if (m && this.t.isExecutable(m, fromHalves(hi, lo)) === true)
                continue; // code, not data
            if (this.cache[key] === undefined)
                probes++;
            const cs = this.read(fromHalves(hi, lo), "stack");
            if (cs && cs.owner !== self && looksLocked(cs))
                return { lock: cs, start, end: scanned, note: undefined };
        }
        return {
            lock: unlocked, start, end: scanned,
            note: unlocked ? undefined : "no critical section found among " + slots + " stack slots " + this.t.formatAddress(start) + " - " + this.t.formatAddress(scanned),
        };
    }
    pointerAt(words, byteOffset) {
        const i = byteOffset / 4;
        return this.ps === 8 ? [words[i + 1] >>> 0, words[i] >>> 0] : [0, words[i] >>> 0];
    }
}
/** A value read from a stack slot is taken for a locked critical section only when every field fits one. */
function looksLocked(c) {
    if (!c.state.valid || !c.state.locked)
        return false;
    if (c.recursionCount < 1 || c.recursionCount > 0xffff)
        return false;
    if (c.owner === undefined || (c.owner & 3) !== 0)
        return false; // thread ids are multiples of 4
    const [dHi, dLo] = halvesOf(c.debugInfo);
    const none = (dHi === 0 && dLo === 0) || (dLo === 0xffffffff && (dHi === 0 || dHi === 0xffffffff)); // no debug info (-1 since Windows 8)
    return none || (dLo & 3) === 0;
}
function fieldOffset(type, name) {
    const f = type.fields[name];
    if (!f)
        throw new Error("no field " + name);
    return toNumber(f.offset);
}
function readLayout(t, ps) {
    try {
        const cs = host.getModuleType("ntdll", "_RTL_CRITICAL_SECTION", t.process);
        const dbg = host.getModuleType("ntdll", "_RTL_CRITICAL_SECTION_DEBUG", t.process);
        if (cs && dbg) {
            return {
                size: toNumber(cs.size), debugInfo: fieldOffset(cs, "DebugInfo"), lockCount: fieldOffset(cs, "LockCount"),
                recursionCount: fieldOffset(cs, "RecursionCount"), owningThread: fieldOffset(cs, "OwningThread"),
                debugCriticalSection: fieldOffset(dbg, "CriticalSection"), debugLocksList: fieldOffset(dbg, "ProcessLocksList"), typed: true,
            };
        }
    }
    catch (e) { /* no ntdll types: winnt.h's layout below */ }
    // winnt.h: { PRTL_CRITICAL_SECTION_DEBUG DebugInfo; LONG LockCount; LONG RecursionCount; HANDLE OwningThread; HANDLE LockSemaphore; ULONG_PTR SpinCount; }
    // and { WORD Type; WORD CreatorBackTraceIndex; PRTL_CRITICAL_SECTION CriticalSection; LIST_ENTRY ProcessLocksList; ... }.
    return {
        size: ps === 8 ? 0x28 : 0x18, debugInfo: 0, lockCount: ps, recursionCount: ps + 4, owningThread: ps + 8,
        debugCriticalSection: ps, debugLocksList: 2 * ps, typed: false,
    };
}
function listHead(t) {
    try {
        const head = host.getModuleSymbol("ntdll", "RtlCriticalSectionList", "_LIST_ENTRY", t.process);
        if (head !== null && head !== undefined)
            return asAddress(head);
    }
    catch (e) { /* no typed symbol: try the bare address */ }
    try {
        return host.getModuleSymbolAddress("ntdll", "RtlCriticalSectionList", t.process);
    }
    catch (e) {
        return undefined;
    }
}
function osMajorVersion(t) {
    try {
        const peb = t.process.Environment.EnvironmentBlock;
        if (!peb)
            return undefined;
        const v = toNumber(peb.OSMajorVersion);
        return v > 0 ? v : undefined;
    }
    catch (e) {
        return undefined;
    }
}

/** Reads the lock list and resolves every critical-section waiter (shared with MessageWaitChains). */
function buildLockGraph(t, s, extra) {
    const cs = new CriticalSections(t);
    const list = cs.walkList(s.MaxListEntries);
    const known = {};
    for (const c of list.sections)
        known[c.key] = c;
    if (extra) {
        const c = cs.read(extra, "argument");
        if (c && !known[c.key])
            known[c.key] = c;
    }
    const threadIds = {};
    const threads = t.threads();
    for (const th of threads)
        threadIds[th.id] = true;
    const waits = [];
    const waitOf = {};
    for (const stack of t.threadStacks()) {
        const wait = classifyWait(stack);
        if (wait.category !== "critical-section")
            continue;
        const found = cs.findWaitedLock(stack, wait.frame, known, s);
        if (found.lock && !known[found.lock.key])
            known[found.lock.key] = found.lock;
        const w = { thread: stack.thread, wait, found };
        waits.push(w);
        waitOf[stack.thread.id] = w;
    }
    return { list, known, waits, waitOf, threadIds, threadCount: threads.length };
}
/** The lock the thread waits for, when it is known and held. */
function lockEdge(g, tid) {
    const w = g.waitOf[tid];
    return w && w.found.lock && w.found.lock.state.locked ? w.found.lock : undefined;
}
function followLocks(g, start) {
    const threads = [start];
    const locks = [];
    for (;;) {
        const cur = threads[threads.length - 1];
        const lock = lockEdge(g, cur);
        if (!lock)
            return { threads, locks, cycleAt: -1, end: "state" };
        locks.push(lock);
        if (lock.owner === undefined)
            return { threads, locks, cycleAt: -1, end: "no-owner" };
        if (!g.threadIds[lock.owner])
            return { threads, locks, cycleAt: -1, end: "orphan" };
        const at = threads.indexOf(lock.owner);
        if (at >= 0)
            return { threads, locks, cycleAt: at, end: "cycle" };
        threads.push(lock.owner);
    }
}
/** What a thread is doing, as a clause: "is in a sync-object wait (ntdll!NtWaitForSingleObject)". */
function describeWait(w) {
    switch (w.category) {
        case "running": return "is running (" + (w.frame ? w.frame.symbol : w.reason) + ")";
        case "unknown": return "is in an unknown state (" + w.reason + ")";
        case "system-call": return "is " + w.reason;
        case "critical-section": return "waits for a critical section that could not be identified (" + w.reason + ")";
        case "message-send": return "is blocked in SendMessage (" + w.reason + "; !ewmda.messagewaits)";
        case "message-loop": return "is idle in its message loop (" + w.reason + ")";
        default: return "is in a " + w.category + " wait (" + w.reason + ")";
    }
}
/**
 * Lock wait chains over critical sections, with deadlock detection: which threads wait for which
 * locked critical section, who owns it, what the owner waits for in turn, and cycles (deadlocks).
 *
 * The pattern (Blocked Thread, Wait Chain over critical sections, Deadlock): a thread blocked in
 * EnterCriticalSection waits for the section's owner; if the owner waits for a lock held by the first
 * thread, neither ever runs again. An owner that exited without leaving the section (an orphaned
 * critical section) blocks every later waiter forever.
 *
 * Detection: the process's critical sections come from `ntdll!RtlCriticalSectionList` (walked through
 * `_RTL_CRITICAL_SECTION_DEBUG.ProcessLocksList`, bounded by `Config.LockWaitChains.MaxListEntries`
 * and with a visited set, since the list can be damaged or cyclic); a section counts only when its
 * DebugInfo points back to its debug record. LockCount is decoded with the Vista+ encoding (bit 0 clear
 * = locked, waiters = (-1 - LockCount) >> 2) or the older one, from PEB.OSMajorVersion. Waiting threads
 * are the threads whose stacks classify as a critical-section wait; the section each waits for is the
 * first locked section (not owned by the thread) among the stack slots from its top frame to its caller's
 * argument area (`Config.LockWaitChains.CallerSlots` slots past the caller's stack pointer). Sections
 * created without debug information (Windows 8+ `RTL_CRITICAL_SECTION_FLAG_NO_DEBUG_INFO`) are not on
 * the list; they are found the same way, from values on waiting threads' stacks that look like a
 * locked critical section (Source "heuristic"). Following thread → lock → owner gives the chains;
 * a repeated thread is a deadlock. Without ntdll symbols the list is unavailable and only sections
 * found on waiting threads' stacks are examined (an Info row says so).
 *
 * False positives: a stack value that looks like a locked critical section may be a stale pointer
 * (check with `!cs <address>`); a dump taken while a lock changed hands can show a waiter on a section
 * that is already free (reported as Info). Locks held without waiters are normal (Info).
 *
 * @function LockWaitChains
 * @memberof Ewmda
 * @param {number|string} [address] A critical section to report on (like `!cs <address>`); default: every locked one.
 * @returns {ResultSet} Rows of kind Deadlock (a cycle), Locked, Orphaned (owner gone) and Waiter (a waiter whose lock was not found): Kind, Lock, Symbol, Owner, Waiting, Waiters, RecursionCount, LockCount, Chain, Verdict, Evidence, Source.
 * @example dx @$ewmda.LockWaitChains()
 * @example dx -g @$ewmda.LockWaitChains().Where(r => r.Kind == "Deadlock")
 * @example dx @$ewmda.LockWaitChains(0x1d000001000)
 * @example !ewmda.locks
 */
const lockWaitChains = defineAnalysis({
    meta: {
        name: "LockWaitChains",
        command: "locks",
        summary: "Critical-section wait chains: locked sections, owners, waiting threads, deadlock cycles and orphaned locks",
        patterns: ["Blocked Thread (software)"],
        targets: "user",
        version: "1.0.0",
        params: [{ name: "address", help: "a critical section to report on (default: every locked one)", optional: true }],
        options: [],
        columns: [
            { name: "Kind", type: "string", help: "Deadlock (a cycle of waits), Locked, Orphaned (the owner is no longer in the process) or Waiter (a waiting thread whose lock was not found)" },
            { name: "Lock", type: "address", help: "Address of the critical section (for a Deadlock: the first lock of the cycle)" },
            { name: "Symbol", type: "string", help: "Symbol of the lock when it is a module global (e.g. ntdll!LdrpLoaderLock)" },
            { name: "Owner", type: "hex", help: "Owning thread id (OwningThread)" },
            { name: "Waiting", type: "string", help: "Threads whose stacks show them waiting for this lock (a Deadlock: the threads of the cycle)" },
            { name: "Waiters", type: "int", help: "Waiting threads as the LockCount encodes them" },
            { name: "RecursionCount", type: "int", help: "How many times the owner entered the section" },
            { name: "LockCount", type: "int", help: "Raw LockCount field", table: false },
            { name: "Chain", type: "string", help: "Thread -> lock -> owner -> what the owner waits for, to the end or around the cycle" },
        ],
        settings: {
            MaxListEntries: {
                default: 100000,
                help: "Entries of ntdll!RtlCriticalSectionList walked at most",
                reason: "processes rarely have more than a few thousand critical sections with debug information; the bound stops a damaged list",
            },
            CallerSlots: {
                default: 8,
                help: "Pointer slots searched past the stack pointer of the caller of EnterCriticalSection",
                reason: "covers the x64 home area (4 slots) or the pushed x86 arguments, plus a few saved registers",
            },
            MaxScanSlots: {
                default: 256,
                help: "Pointer slots searched at most per waiting thread (from the top of its stack)",
                reason: "the wait path and its caller fit in 2 KiB on x64; the bound keeps a bad frame chain from scanning the whole stack",
            },
            MaxProbesPerThread: {
                default: 64,
                help: "Unknown stack values read as possible critical sections per waiting thread",
                reason: "bounds the memory reads per waiter when the section is not on the list (no debug information, no ntdll symbols)",
            },
        },
    },
    *run(ctx, args) {
        const t = ctx.target;
        const parsed = parseArguments$1(args);
        if (typeof parsed === "string") {
            ctx.summary("LockWaitChains: " + parsed);
            yield { Verdict: "Info", Evidence: parsed, Source: "heuristic" };
            return;
        }
        const only = parsed;
        const g = buildLockGraph(t, ctx.settings, only);
        const onlyKey = only ? addressKey(only) : undefined;
        const listSource = g.list.available ? "typed" : "heuristic";
        // What the list gave, or why it could not be used.
        if (!g.list.available) {
            yield {
                Verdict: "Info", Source: "heuristic",
                Evidence: g.list.problems[0] + ": only critical sections found on the stacks of " + count$2(g.waits.length, "waiting thread") +
                    " were examined (.reload /f ntdll.dll, then !cs -l lists every locked section)",
            };
        }
        for (const p of g.list.available ? g.list.problems : []) {
            yield { Verdict: "Info", Source: "typed", Evidence: "ntdll!RtlCriticalSectionList: " + p + "; the " + g.list.sections.length + " sections read before that are used (dl " + t.formatAddress(g.list.head) + ")" };
        }
        const lockText = (c) => "cs " + t.formatAddress(c.address) + (symbolOf(t, c) ? " (" + symbolOf(t, c) + ")" : "");
        const stateOf = (tid) => describeWait(classifyWait(t.threadStack(t.findThread(tid))));
        const tidText = (tid) => "0x" + tid.toString(16);
        const continuation = (start) => {
            const c = followLocks(g, start);
            let s = "";
            c.locks.forEach((l, i) => {
                const owner = l.owner === undefined ? "no owner" : tidText(l.owner);
                s += (i === 0 ? "" : ", which ") + "waits for " + lockText(l) + " owned by " + owner;
            });
            const last = c.threads[c.threads.length - 1];
            if (c.end === "state")
                s += (s ? ", which " : "") + stateOf(last);
            else if (c.end === "orphan")
                s += ", a thread no longer in the process (orphaned lock)";
            else if (c.end === "no-owner")
                s += " (OwningThread is 0)";
            else
                s += " (deadlock)";
            return s;
        };
        // Waiters per lock, deadlock cycles.
        const waitingOn = {};
        const cycles = {};
        const inCycle = {};
        for (const w of g.waits) {
            const lock = w.found.lock;
            if (lock)
                (waitingOn[lock.key] = waitingOn[lock.key] || []).push(w.thread.id);
            const c = followLocks(g, w.thread.id);
            if (c.end !== "cycle")
                continue;
            const ring = c.threads.slice(c.cycleAt);
            const ringLocks = c.locks.slice(c.cycleAt);
            // One row per cycle, starting from its lowest thread id.
            let m = 0;
            for (let i = 1; i < ring.length; i++)
                if (ring[i] < ring[m])
                    m = i;
            const threads = ring.slice(m).concat(ring.slice(0, m));
            const locks = ringLocks.slice(m).concat(ringLocks.slice(0, m));
            const key = threads.join(",");
            if (cycles[key])
                continue;
            cycles[key] = { threads, locks, cycleAt: 0, end: "cycle" };
            for (const l of locks)
                inCycle[l.key] = true;
        }
        const rows = [];
        for (const key of Object.keys(cycles)) {
            const c = cycles[key];
            if (onlyKey && !c.locks.some((l) => l.key === onlyKey))
                continue;
            const parts = c.threads.map((tid, i) => tidText(tid) + " waits for " + lockText(c.locks[i]) + " owned by " + tidText(c.locks[i].owner));
            rows.push({
                Kind: "Deadlock", Lock: c.locks[0].address, Symbol: symbolOf(t, c.locks[0]), Owner: c.locks[0].owner,
                Waiting: c.threads.map(tidText).join(", "), Waiters: undefined, RecursionCount: undefined, LockCount: undefined,
                Chain: parts.join("; ") + " (cycle of " + c.threads.length + " threads)",
                Verdict: "Positive", Source: sourceOf(c.locks),
                Evidence: c.locks.map((l) => "!cs " + t.formatAddress(l.address)).join("; ") + "; " + c.threads.map((tid) => "~~[" + tidText(tid) + "]s; k").join("; "),
            });
        }
        let lockedCount = 0;
        const locked = [];
        for (const key of Object.keys(g.known)) {
            const c = g.known[key];
            if (!c.state.valid || !c.state.locked)
                continue;
            lockedCount++;
            if (!onlyKey || key === onlyKey)
                locked.push(c);
        }
        const rank = (c) => (inCycle[c.key] ? 0 : c.owner !== undefined && !g.threadIds[c.owner] ? 1 : waitingOn[c.key] || c.state.waiters ? 2 : 3);
        locked.sort((a, b) => rank(a) - rank(b) || ((waitingOn[b.key] || []).length - (waitingOn[a.key] || []).length) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        for (const c of locked) {
            const waiting = waitingOn[c.key] || [];
            const orphan = c.owner !== undefined && !g.threadIds[c.owner];
            const contended = waiting.length > 0 || c.state.waiters > 0;
            let chain = waiting.length ? waiting.map(tidText).join(", ") + " wait" + (waiting.length === 1 ? "s" : "") + " for it; " : "";
            if (c.owner === undefined)
                chain += "OwningThread is 0 (the lock is being handed over, or the section is damaged)";
            else if (orphan)
                chain += "owner " + tidText(c.owner) + " is no longer in the process: it exited holding the lock (orphaned critical section)";
            else
                chain += "owner " + tidText(c.owner) + " " + continuation(c.owner);
            rows.push({
                Kind: orphan ? "Orphaned" : "Locked", Lock: c.address, Symbol: symbolOf(t, c), Owner: c.owner,
                Waiting: waiting.length ? waiting.map(tidText).join(", ") : undefined, Waiters: c.state.waiters, RecursionCount: c.recursionCount, LockCount: c.lockCount,
                Chain: chain,
                Verdict: inCycle[c.key] ? "Positive" : orphan || contended ? "Suspicious" : "Info",
                Source: c.origin === "list" ? listSource : c.origin === "argument" ? "typed" : "heuristic",
                Evidence: "!cs " + t.formatAddress(c.address) + (c.owner !== undefined && !orphan ? "; ~~[" + tidText(c.owner) + "]s; k" : orphan ? "; ~ (no thread " + tidText(c.owner) + ")" : "") +
                    (c.origin === "stack" ? " (found on the stack of waiting thread " + waiting.map(tidText).join(", ") + ", not on the lock list)" : ""),
            });
        }
        // Waiters whose lock was not found, or is not held.
        for (const w of g.waits) {
            const lock = w.found.lock;
            if (lock && lock.state.locked)
                continue;
            if (onlyKey && (!lock || lock.key !== onlyKey))
                continue;
            const tid = tidText(w.thread.id);
            const range = w.found.start && w.found.end ? "dps " + t.formatAddress(w.found.start) + " " + t.formatAddress(w.found.end) + "; " : "";
            rows.push({
                Kind: "Waiter", Lock: lock ? lock.address : undefined, Symbol: lock ? symbolOf(t, lock) : undefined, Owner: lock ? lock.owner : undefined,
                Waiting: tid, Waiters: lock ? lock.state.waiters : undefined, RecursionCount: lock ? lock.recursionCount : undefined, LockCount: lock ? lock.lockCount : undefined,
                Chain: lock ? tid + " waits for " + lockText(lock) + ", which is not locked (it was released while the dump was written, or the wrong section was found)" :
                    tid + " waits in " + w.wait.reason + "; " + w.found.note,
                Verdict: "Info", Source: "heuristic",
                Evidence: range + "~~[" + tid + "]s; kv" + (lock ? "; !cs " + t.formatAddress(lock.address) : ""),
            });
        }
        for (const r of rows)
            yield r;
        const deadlocks = rows.filter((r) => r.Kind === "Deadlock").length;
        const where = g.list.available ? count$2(g.list.sections.length, "critical section") + " on ntdll!RtlCriticalSectionList" : "no lock list";
        const fromStacks = Object.keys(g.known).filter((k) => g.known[k].origin === "stack").length;
        const counts = where + (fromStacks ? " + " + fromStacks + " found on stacks" : "") + ", " + lockedCount + " locked, " +
            g.waits.length + " of " + count$2(g.threadCount, "thread") + " waiting for a critical section, " + count$2(deadlocks, "deadlock");
        if (rows.length === 0) {
            yield {
                Verdict: "Negative", Source: listSource,
                Evidence: only ? "critical section " + t.formatAddress(only) + " is " + sectionState(g, only) + "; " + counts + " (!cs " + t.formatAddress(only) + ")"
                    : "0 locked critical sections: " + counts + (g.list.stale ? " (" + g.list.stale + " stale list " + (g.list.stale === 1 ? "entry" : "entries") + " skipped)" : "") + " (!cs -l, ~*k)",
            };
        }
        ctx.summary("LockWaitChains: " + counts);
    },
    rowText(row) {
        if (row.Kind === undefined)
            return row.Verdict + ": " + row.Evidence;
        return row.Verdict + " " + String(row.Kind) + ": " + String(row.Chain);
    },
});
/** `1 thread`, `2 threads`. */
function count$2(n, noun) {
    return n + " " + noun + (n === 1 ? "" : "s");
}
function sectionState(g, address) {
    const c = g.known[addressKey(address)];
    if (!c)
        return "not readable";
    if (!c.state.valid)
        return "not a valid critical section (LockCount " + c.lockCount + ")";
    return "not locked (LockCount " + c.lockCount + ")";
}
function symbolOf(t, c) {
    const m = t.modules().find(c.address);
    if (!m)
        return undefined;
    const s = t.symbolize(c.address, m);
    return s.text;
}
function sourceOf(locks) {
    return locks.every((l) => l.origin === "list") ? "typed" : "heuristic";
}
/** (address?) from dx or a `!` command; a message when it makes no sense. */
function parseArguments$1(args) {
    const a = args[0];
    if (args.length > 1)
        return "LockWaitChains takes at most one argument, a critical section address";
    if (a === undefined || a === null)
        return undefined;
    if (typeof a === "string") {
        const v = parseAddress(a);
        return v ? v : "the address must be a number such as 0x1d000001000, not \"" + a + "\"";
    }
    if (typeof a === "number" && a >= 0 && a === Math.floor(a))
        return toInt64(a);
    if (isInt64(a))
        return a;
    return "the address must be a number such as 0x1d000001000, not " + String(a);
}

/**
 * User-interface threads of a process (patterns.md §7, user part): threads with a message loop on
 * their stack, and whether each pumps messages (idle in the message wait at the top) or is stuck above
 * its loop (in another wait, in a modal loop, or running). Shared by InputThreads and MessageWaitChains
 * (the receiver of a sent message is a UI thread).
 */
const DEFAULT_UI_FUNCTIONS = {
    PumpFunctions: [
        "win32u!NtUserGetMessage", "win32u!NtUserPeekMessage", "win32u!NtUserWaitMessage", "win32u!NtUserMsgWaitForMultipleObjectsEx",
        "user32!NtUserGetMessage", "user32!NtUserPeekMessage", "user32!NtUserWaitMessage", "user32!NtUserMsgWaitForMultipleObjectsEx",
        "user32!GetMessage*", "user32!PeekMessage*", "user32!WaitMessage", "user32!MsgWaitForMultipleObjects*", "user32!RealMsgWaitForMultipleObjectsEx",
    ],
    LoopFunctions: [
        "user32!DispatchMessage*", "user32!DispatchClientMessage", "user32!UserCallWinProc*", "user32!CallWindowProc*",
        "user32!IsDialogMessage*", "user32!TranslateMessage*", "user32!TranslateAccelerator*",
    ],
    ModalFunctions: [
        "user32!MessageBox*", "user32!SoftModalMessageBox", "user32!DialogBox*", "user32!InternalDialogBox", "comctl32!TaskDialog*",
        "user32!TrackPopupMenu*", "combase!CCliModalLoop::*", "ole32!CCliModalLoop::*",
    ],
};
/** Frames that may sit above the message wait of a pumping thread (system-call stubs, WOW64 transitions). */
const STUBS = SYSTEM_CALL_STUBS.concat(["ntdll!KiFastSystemCall*", "wow64!*", "wow64win!*"]);
function matchesAny(f, patterns) {
    return f.hasSymbol && patterns.some((p) => matchesFunction(f.func, p));
}
/** The thread's UI state, or undefined when no frame shows a message loop. */
function uiThreadOf(stack, fns) {
    if (!Array.isArray(stack.frames))
        return undefined;
    const frames = stack.frames;
    const findModal = (from) => {
        for (let i = from; i < frames.length; i++)
            if (matchesAny(frames[i], fns.ModalFunctions))
                return frames[i];
        return undefined;
    };
    // Pumping: the message wait, with nothing above it but system-call stubs.
    let i = 0;
    while (i < frames.length && !matchesAny(frames[i], fns.PumpFunctions) && matchesAny(frames[i], STUBS))
        i++;
    if (i < frames.length && matchesAny(frames[i], fns.PumpFunctions)) {
        const modal = findModal(i + 1);
        const f = frames[i];
        return { stack, state: modal ? "Modal" : "Pumping", loopFrame: f, modalFrame: modal, wait: { category: "message-loop", frame: f, reason: f.func } };
    }
    let loop = -1;
    for (let k = 0; k < frames.length && loop < 0; k++) {
        const f = frames[k];
        if (matchesAny(f, fns.PumpFunctions) || matchesAny(f, fns.LoopFunctions) || matchesAny(f, fns.ModalFunctions))
            loop = k;
    }
    if (loop < 0)
        return undefined;
    const loopFrame = frames[loop];
    const modal = findModal(loop);
    if (loop === 0) {
        return { stack, state: "Busy", loopFrame, modalFrame: modal, wait: { category: "running", frame: loopFrame, reason: "running in " + loopFrame.func } };
    }
    const wait = classifyWait({ thread: stack.thread, frames: frames.slice(0, loop)});
    const state = wait.category === "running" ? "Busy" : wait.category === "unknown" ? "Unknown" :
        wait.category === "message-loop" ? "Pumping" : wait.category === "message-box" ? "Modal" : "Blocked";
    return { stack, state, loopFrame, modalFrame: modal, wait };
}

/**
 * Input Thread, user part: the process's UI threads (threads with a message loop) and whether each
 * pumps messages or is stuck above its loop, with the function it is stuck in.
 *
 * The pattern (Input Thread, patterns.md §7): the thread that owns a window's input queue must keep
 * returning to its message loop; when it does not, the window stops responding (Windows calls it hung
 * after 5 s without pumping). In a process dump the UI thread is the thread with GetMessage /
 * PeekMessage / MsgWaitForMultipleObjects / DispatchMessage frames, usually thread 0. The session-wide
 * input threads (csrss's raw input and desktop threads) need a kernel or complete dump and are not
 * examined here.
 *
 * Detection: a thread is a UI thread when a frame matches `Config.InputThreads.PumpFunctions`,
 * `LoopFunctions` or `ModalFunctions`. It pumps (State "Pumping", Info) when a message wait is at the top
 * of its stack with only system-call stubs above it; "Modal" (Suspicious) when that wait runs inside a
 * message box, dialog, menu or COM modal loop (the Message Box pattern: the UI waits for the user or for a
 * COM call); otherwise the frames above its topmost loop frame are classified with the shared wait
 * rules: "Blocked" (Positive) in a wait (lock, object, I/O, RPC, SendMessage...), "Busy" (Suspicious)
 * when running, "Unknown" (Info) without symbols for the top frame.
 *
 * False positives: a dump is a moment: a UI thread briefly waiting or computing looks the same as a
 * hung one (a second dump, or `!runaway`, tells them apart). Frameworks with their own loop functions
 * are recognized once they are added to the settings. Without user32/win32u symbols message-loop
 * frames cannot be named and UI threads are missed (an Info row says so).
 *
 * @function InputThreads
 * @memberof Ewmda
 * @returns {ResultSet} One row per UI thread: Thread, Main, State, Category, BlockingFunction, LoopFunction, LoopFrame, TopFrame, Verdict, Evidence, Source.
 * @example dx @$ewmda.InputThreads()
 * @example dx -g @$ewmda.InputThreads().Where(r => r.State != "Pumping")
 * @example !ewmda.inputthreads
 */
const inputThreads = defineAnalysis({
    meta: {
        name: "InputThreads",
        command: "inputthreads",
        summary: "UI threads (threads with a message loop): pumping, or stuck above the loop and in what",
        patterns: ["Input Thread"],
        targets: "user",
        version: "1.0.0",
        params: [],
        options: [],
        columns: [
            { name: "Thread", type: "hex", help: "Thread id" },
            { name: "Main", type: "bool", help: "The process's first thread (thread 0, usually the main UI thread)" },
            { name: "State", type: "string", help: "Pumping (idle in the message wait), Modal (pumping in a message box, dialog, menu or COM call), Blocked, Busy (running above the loop) or Unknown" },
            { name: "Category", type: "string", help: "Wait category of the frames above the message loop (message-loop when pumping)" },
            { name: "BlockingFunction", type: "string", help: "Frame that decides the state: the wait function, the running function, the modal loop, or the message wait" },
            { name: "LoopFunction", type: "string", help: "The message-loop frame (message wait, dispatch or modal loop)" },
            { name: "LoopFrame", type: "int", help: "Frame number of LoopFunction", table: false },
            { name: "TopFrame", type: "string", help: "Frame 0", table: false },
        ],
        settings: {
            PumpFunctions: {
                default: DEFAULT_UI_FUNCTIONS.PumpFunctions,
                help: "Message waits an idle UI thread sits in (module!Function, * wildcards)",
                reason: "GetMessage, PeekMessage, WaitMessage and MsgWaitForMultipleObjects(Ex) end in these win32u/user32 system calls",
            },
            LoopFunctions: {
                default: DEFAULT_UI_FUNCTIONS.LoopFunctions,
                help: "Frames that show a message loop deeper in the stack (message dispatch, window procedure calls)",
                reason: "a thread running a window procedure has DispatchMessage or UserCallWinProc* under it; add framework loops here",
            },
            ModalFunctions: {
                default: DEFAULT_UI_FUNCTIONS.ModalFunctions,
                help: "Modal loops: a thread pumping inside one of these waits for the user or a COM call",
                reason: "MessageBox, DialogBox, TaskDialog, TrackPopupMenu and COM's modal loop (CCliModalLoop) pump messages in their own loop",
            },
        },
    },
    *run(ctx, args) {
        const t = ctx.target;
        if (args.length > 0 && args[0] !== undefined) {
            const text = "InputThreads takes no arguments (filter the result instead: .Where(r => r.State != \"Pumping\"))";
            ctx.summary("InputThreads: " + text);
            yield { Verdict: "Info", Evidence: text, Source: "heuristic" };
            return;
        }
        const stacks = t.threadStacks();
        const first = t.threads()[0];
        const ui = [];
        let unreadable = 0;
        let unnamedUser = 0;
        for (const s of stacks) {
            if (!Array.isArray(s.frames)) {
                unreadable++;
                continue;
            }
            const u = uiThreadOf(s, ctx.settings);
            if (u)
                ui.push(u);
            else if (s.frames.some((f) => !f.hasSymbol && f.module && /^(user32|win32u)$/i.test(f.module.symbolName)))
                unnamedUser++;
        }
        const counts = {};
        for (const u of ui) {
            counts[u.state] = (counts[u.state] || 0) + 1;
            const tid = "0x" + u.stack.thread.id.toString(16);
            const frames = u.stack.frames;
            const decisive = u.state === "Modal" ? u.modalFrame : u.state === "Pumping" ? u.loopFrame : u.wait.frame;
            let verdict;
            let what;
            switch (u.state) {
                case "Pumping":
                    verdict = "Info";
                    what = "pumps messages: idle in " + u.loopFrame.symbol;
                    break;
                case "Modal":
                    verdict = "Suspicious";
                    what = "pumps messages in a modal loop under " + u.modalFrame.symbol + " (frame " + u.modalFrame.index +
                        "): the UI waits for the user or a COM call (Message Box pattern)";
                    break;
                case "Blocked":
                    verdict = "Positive";
                    what = "is blocked above its message loop: " + u.wait.category + " wait in " + u.wait.reason + " (frame " + (u.wait.frame ? u.wait.frame.index : 0) +
                        ") over " + u.loopFrame.symbol + " (frame " + u.loopFrame.index + "); window messages are not processed" +
                        (u.wait.category === "message-send" ? " (!ewmda.messagewaits)" : u.wait.category === "critical-section" ? " (!ewmda.locks)" : "");
                    break;
                case "Busy":
                    verdict = "Suspicious";
                    what = "is running outside its message wait (" + frames[0].symbol + ") over " + u.loopFrame.symbol + " (frame " + u.loopFrame.index +
                        "); a hang if it stays there (a second dump, !runaway)";
                    break;
                default:
                    verdict = "Info";
                    what = "has a message loop (" + u.loopFrame.symbol + ", frame " + u.loopFrame.index + ") but its top frame has no symbols (" + frames[0].symbol + ")";
            }
            yield {
                Thread: u.stack.thread.id, Main: first !== undefined && first.id === u.stack.thread.id, State: u.state, Category: u.wait.category,
                BlockingFunction: decisive ? decisive.func : undefined, LoopFunction: u.loopFrame.symbol, LoopFrame: u.loopFrame.index, TopFrame: frames[0].symbol,
                Verdict: verdict, Source: "typed",
                Evidence: "~~[" + tid + "]s; k: thread " + tid + " " + what,
            };
        }
        const total = stacks.length;
        if (unnamedUser > 0) {
            yield {
                Verdict: "Info", Source: "typed",
                Evidence: count$1(unnamedUser, "thread") + (unnamedUser === 1 ? " has" : " have") + " user32/win32u frames without symbols: their message loops cannot be recognized (.reload /f user32.dll win32u.dll; ~*k)",
            };
        }
        const stuck = ui.filter((u) => u.state !== "Pumping").length;
        const breakdown = Object.keys(counts).map((k) => counts[k] + " " + k.toLowerCase()).join(", ");
        if (ui.length === 0) {
            const user32 = t.modules().byName("user32");
            yield {
                Verdict: "Negative", Source: "typed",
                Evidence: "0 threads with a message loop among " + count$1(total, "thread") + (unreadable ? " (" + unreadable + " stacks unreadable)" : "") +
                    (user32 ? "" : "; user32.dll is not loaded (not a GUI process)") + " (~*k)",
            };
        }
        else if (stuck === 0) {
            yield {
                Verdict: "Negative", Source: "typed",
                Evidence: "0 stuck UI threads: " + (ui.length === 1 ? "the UI thread pumps" : "all " + ui.length + " UI threads pump") + " messages (" + count$1(total, "thread") + ") (~*k)",
            };
        }
        ctx.summary("InputThreads: " + count$1(ui.length, "UI thread") + " among " + count$1(total, "thread") + (breakdown ? ": " + breakdown : ""));
    },
    rowText(row) {
        if (row.Thread === undefined)
            return row.Verdict + ": " + row.Evidence;
        return row.Verdict + " thread 0x" + row.Thread.toString(16) + " " + String(row.State) + ": " + String(row.BlockingFunction);
    },
});
/** `1 thread`, `2 threads`. */
function count$1(n, noun) {
    return n + " " + noun + (n === 1 ? "" : "s");
}

/** SendMessage-family functions (the shared wait rule) and the ones that do not wait for the receiver. */
const SEND_FUNCTIONS = SPECIFIC_WAITS.filter((r) => r.category === "message-send").map((r) => r.functions).reduce((a, b) => a.concat(b), []);
const NON_BLOCKING = ["user32!SendMessageCallback*", "user32!SendNotifyMessage*"];
/** The system call under every SendMessage variant (win32u on Windows 10+, user32 before). */
const SEND_STUBS = ["win32u!NtUserMessageCall", "user32!NtUserMessageCall", "user32!ZwUserMessageCall"];
/**
 * Wait Chain (Window Messaging), user part: threads blocked in SendMessage and, when the receiving
 * thread can be found in the same process, the chain sender -> receiver -> what the receiver waits for,
 * continuing through further SendMessage calls and critical sections, with cycles.
 *
 * The pattern (patterns.md §27): SendMessage to a window of another thread waits until that thread
 * processes the message. When the receiver is blocked (in a lock, an object wait, a message box, or its
 * own SendMessage), the sender is blocked too; a chain that comes back to the sender (for example the
 * receiver waits for a critical section the sender holds) is a deadlock.
 *
 * Detection: senders are threads whose top frames classify as a "message-send" wait (user32!SendMessage*,
 * SendMessageTimeout*, SendDlgItemMessage*; SendMessageCallback and SendNotifyMessage do not wait and are
 * left out), or whose top frames are the NtUserMessageCall system call under a user32 caller (no user32
 * symbols). On x86 the window handle and message are read from the SendMessage frame's arguments (the
 * slots after its return address, as `kb` shows them); x64 and ARM64 pass them in registers, so they are
 * not recovered. A user dump has no win32k window structures, so the receiver is inferred among the
 * process's UI threads (InputThreads' rules): the only UI thread other than the sender that is not
 * pumping messages, or else the process's only other UI thread. Several candidates, or none (the window
 * belongs to another process), are reported as such, without guessing. The chain then follows the
 * receiver: its own SendMessage (to its receiver), or the critical section it waits for (LockWaitChains'
 * rules) to the section's owner, until a thread that waits for something else, runs, or repeats (a cycle).
 *
 * False positives: the receiver is an inference (Source "heuristic"); confirm it with the window handle
 * (`!wnd` / MEX `!wnd <hwnd>` in a kernel or complete dump). A thread blocked in SendMessage still
 * processes messages sent to it, so a cycle made only of SendMessage calls resolves itself unless
 * SendMessageTimeout's SMTO_BLOCK is used (Suspicious); a cycle through a lock does not (Positive).
 * User dumps have no wait times: a chain seen in one dump may be seconds old or hours old.
 *
 * @function MessageWaitChains
 * @memberof Ewmda
 * @returns {ResultSet} One row per sender (one per cycle): Sender, Function, Handle, Message, Receiver, Basis, Hops, Terminal, Cycle, Verdict, Evidence, Source.
 * @example dx @$ewmda.MessageWaitChains()
 * @example dx -g @$ewmda.MessageWaitChains().Where(r => r.Cycle)
 * @example !ewmda.messagewaits
 */
const messageWaitChains = defineAnalysis({
    meta: {
        name: "MessageWaitChains",
        command: "messagewaits",
        summary: "Threads blocked in SendMessage, the receiving UI thread and what it waits for, with cycles",
        patterns: ["Wait Chain (Window Messaging)"],
        targets: "user",
        version: "1.0.0",
        params: [],
        options: [],
        columns: [
            { name: "Sender", type: "hex", help: "Thread blocked in SendMessage" },
            { name: "Function", type: "string", help: "The SendMessage function it called (or the NtUserMessageCall system call without user32 symbols)" },
            { name: "Handle", type: "hex", help: "Window handle (first argument; recovered on x86 only)" },
            { name: "Message", type: "string", help: "Message sent (second argument; x86 only), with its WM_ name when known" },
            { name: "Receiver", type: "hex", help: "Thread inferred to own the window (same process)" },
            { name: "Basis", type: "string", help: "Why that thread is taken for the receiver, or why none could be", table: false },
            { name: "Hops", type: "string", help: "The chain: sender -> receiver -> lock owners / further receivers" },
            { name: "Terminal", type: "string", help: "What the last thread of the chain does", table: false },
            { name: "Cycle", type: "bool", help: "The chain comes back to one of its threads" },
        ],
    },
    *run(ctx, args) {
        const t = ctx.target;
        if (args.length > 0 && args[0] !== undefined) {
            const text = "MessageWaitChains takes no arguments (filter the result instead: .Where(r => r.Cycle))";
            ctx.summary("MessageWaitChains: " + text);
            yield { Verdict: "Info", Evidence: text, Source: "heuristic" };
            return;
        }
        const fns = uiFunctions(ctx.config);
        const stacks = t.threadStacks();
        const ui = {};
        const uiList = [];
        const senders = {};
        const senderList = [];
        for (const s of stacks) {
            const u = uiThreadOf(s, fns);
            if (u) {
                ui[s.thread.id] = u;
                uiList.push(u);
            }
            const snd = senderOf(t, s);
            if (snd) {
                senders[snd.tid] = snd;
                senderList.push(snd);
            }
        }
        let graph;
        const locks = () => graph || (graph = buildLockGraph(t, lockSettings(ctx.config)));
        const receiverOf = (s) => {
            const others = uiList.filter((u) => u.stack.thread.id !== s.tid);
            const stuck = others.filter((u) => u.state !== "Pumping");
            if (stuck.length === 1)
                return { tid: stuck[0].stack.thread.id, basis: "the only UI thread other than the sender that is not pumping messages", candidates: [] };
            if (stuck.length === 0 && others.length === 1)
                return { tid: others[0].stack.thread.id, basis: "the process's only other UI thread", candidates: [] };
            if (stuck.length > 1)
                return { tid: undefined, basis: stuck.length + " UI threads are not pumping messages; any of them may own the window", candidates: stuck.map((u) => u.stack.thread.id) };
            return { tid: undefined, basis: "no other UI thread in this process: the window belongs to another process (or its thread's stack did not resolve)", candidates: [] };
        };
        const tidText = (tid) => "0x" + tid.toString(16);
        const stateText = (tid) => {
            const u = ui[tid];
            if (u) {
                switch (u.state) {
                    case "Pumping": return "pumps messages (idle in " + u.loopFrame.symbol + ")";
                    case "Modal": return "pumps messages in a modal loop under " + u.modalFrame.symbol + " (Message Box)";
                    case "Busy": return "is running above its message loop (" + (u.wait.frame ? u.wait.frame.symbol : u.wait.reason) + ")";
                }
            }
            return describeWait(classifyWait(t.threadStack(t.findThread(tid))));
        };
        const emitted = {};
        let cycles = 0;
        const rows = [];
        for (const s of senderList) {
            if (emitted[s.tid])
                continue;
            const first = receiverOf(s);
            const path = [s.tid];
            const hops = [];
            const lockList = [];
            let lockEdges = 0;
            let cycle = false;
            let terminal;
            let cur = s.tid;
            for (;;) {
                let next;
                const snd = senders[cur];
                const lock = !snd && classifyWait(t.threadStack(t.findThread(cur))).category === "critical-section" ? lockEdge(locks(), cur) : undefined;
                if (snd) {
                    const r = cur === s.tid ? first : receiverOf(snd);
                    if (r.tid === undefined) {
                        terminal = tidText(cur) + " sends a message with no known receiver (" + r.basis + ")";
                        break;
                    }
                    hops.push(tidText(cur) + " sends to " + tidText(r.tid));
                    next = r.tid;
                }
                else if (lock) {
                    lockList.push(lock);
                    lockEdges++;
                    const name = "cs " + t.formatAddress(lock.address);
                    if (lock.owner === undefined) {
                        hops.push(tidText(cur) + " waits for " + name);
                        terminal = name + " has no owner (OwningThread is 0)";
                        break;
                    }
                    hops.push(tidText(cur) + " waits for " + name + " owned by " + tidText(lock.owner));
                    if (!locks().threadIds[lock.owner]) {
                        terminal = "owner " + tidText(lock.owner) + " is no longer in the process (orphaned lock)";
                        break;
                    }
                    next = lock.owner;
                }
                else {
                    terminal = tidText(cur) + " " + stateText(cur);
                    break;
                }
                if (path.indexOf(next) >= 0) {
                    cycle = true;
                    terminal = "back to " + tidText(next) + ": a cycle of " + (path.length - path.indexOf(next)) + " threads";
                    break;
                }
                path.push(next);
                cur = next;
            }
            if (cycle) {
                cycles++;
                for (const p of path)
                    emitted[p] = true;
            }
            const receiver = first.tid;
            const receiverPumps = receiver !== undefined && path.length === 2 && ui[receiver] !== undefined && ui[receiver].state === "Pumping";
            const verdict = cycle ? (lockEdges > 0 ? "Positive" : "Suspicious") :
                receiver === undefined ? (first.candidates.length ? "Suspicious" : "Info") : receiverPumps ? "Info" : "Suspicious";
            const source = receiver !== undefined || first.candidates.length ? "heuristic" : "typed";
            const handle = s.handle;
            const handleText = isInt64(handle) ? "hWnd 0x" + hexOf(handle) : "";
            rows.push({
                Sender: s.tid, Function: s.func, Handle: handle, Message: s.message !== undefined ? messageName(s.message) : undefined,
                Receiver: receiver, Basis: receiver !== undefined ? first.basis : first.basis + (first.candidates.length ? ": " + first.candidates.map(tidText).join(", ") : ""),
                Hops: hops.length ? hops.join(" -> ") + (cycle ? " (cycle)" : "") : tidText(s.tid) + " sends to an unknown receiver",
                Terminal: terminal, Cycle: cycle, Verdict: verdict, Source: source,
                Evidence: "~~[" + tidText(s.tid) + "]s; kb (" + (handleText ? handleText + " is" : "the window handle is") + " the first argument of " + s.frame.func + ")" +
                    path.slice(1).map((p) => "; ~~[" + tidText(p) + "]s; k").join("") + lockList.map((l) => "; !cs " + t.formatAddress(l.address)).join("") +
                    (cycle && lockEdges === 0 ? "; a SendMessage-only cycle resolves itself unless SMTO_BLOCK is used" : "") +
                    (receiver === undefined ? "; a kernel or complete dump shows the receiver (!thread: WrUserRequest; !wnd <hwnd>)" : ""),
            });
        }
        for (const r of rows)
            yield r;
        if (senderList.length === 0) {
            yield {
                Verdict: "Negative", Source: "typed",
                Evidence: "0 threads blocked in SendMessage among " + count(stacks.length, "thread") + " (" + count(uiList.length, "UI thread") + ") (~*k)",
            };
        }
        ctx.summary("MessageWaitChains: " + count(senderList.length, "thread") + " in SendMessage among " + count(stacks.length, "thread") + ", " +
            count(uiList.length, "UI thread") + ", " + count(cycles, "cycle"));
    },
    rowText(row) {
        if (row.Sender === undefined)
            return row.Verdict + ": " + row.Evidence;
        return row.Verdict + ": " + String(row.Hops) + "; " + String(row.Terminal);
    },
});
function hexOf(v) {
    const [hi, lo] = halvesOf(v);
    return hi ? hi.toString(16) + ("00000000" + lo.toString(16)).slice(-8) : lo.toString(16);
}
function uiFunctions(config) {
    const s = config.InputThreads;
    return s && s.PumpFunctions ? s : DEFAULT_UI_FUNCTIONS;
}
function lockSettings(config) {
    const s = config.LockWaitChains;
    if (s && s.MaxListEntries !== undefined)
        return s;
    const specs = lockWaitChains.meta.settings || {};
    const out = {};
    for (const k of Object.keys(specs))
        out[k] = specs[k].default;
    return out;
}
function isSendFrame(f) {
    return f.hasSymbol && SEND_FUNCTIONS.some((p) => matchesFunction(f.func, p));
}
function isNonBlocking(f) {
    return f.hasSymbol && NON_BLOCKING.some((p) => matchesFunction(f.func, p));
}
/** The thread's blocking SendMessage call, if it is in one. */
function senderOf(t, stack) {
    if (!Array.isArray(stack.frames))
        return undefined;
    const frames = stack.frames;
    const wait = classifyWait(stack);
    if (wait.category === "message-send" && wait.frame) {
        let a = wait.frame.index;
        while (a + 1 < frames.length && isSendFrame(frames[a + 1]))
            a++;
        for (let i = wait.frame.index; i <= a; i++)
            if (isNonBlocking(frames[i]))
                return undefined;
        const api = frames[a];
        const args = t.architecture() === "x86" ? x86Arguments(t, frames, a) : { handle: notAvailable("x64 and ARM64 pass hWnd in a register; the stack does not keep it reliably"), message: undefined };
        return { stack, tid: stack.thread.id, frame: api, func: api.func, viaStub: false, handle: args.handle, message: args.message };
    }
    for (let i = 0; i < Math.min(3, frames.length - 1); i++) {
        const f = frames[i];
        const caller = frames[i + 1];
        if (!f.hasSymbol || !SEND_STUBS.some((p) => matchesFunction(f.func, p)))
            continue;
        if (!caller.module || caller.module.symbolName.toLowerCase() !== "user32" || isNonBlocking(caller))
            return undefined;
        return {
            stack, tid: stack.thread.id, frame: f, func: f.func + " (called from " + caller.symbol + ")", viaStub: true,
            handle: notAvailable("without user32 symbols the SendMessage frame and its arguments cannot be located"), message: undefined,
        };
    }
    return undefined;
}
/** x86 stdcall: the arguments follow the return address into the caller, as `kb` shows them. */
function x86Arguments(t, frames, api) {
    const caller = frames[api + 1];
    const start = frames[api].sp || frames[0].sp;
    if (!caller || !start)
        return { handle: notAvailable("the SendMessage frame has no caller or stack pointer"), message: undefined };
    const slots = 64;
    const words = t.readPointerWords(start, slots + 2);
    if (!words)
        return { handle: notAvailable("the stack at " + t.formatAddress(start) + " is not in the dump"), message: undefined };
    const [rHi, rLo] = halvesOf(caller.ip);
    for (let i = 0; i < slots; i++) {
        if (comparePair(0, words[i] >>> 0, rHi, rLo) === 0) {
            return { handle: fromHalves(0, words[i + 1] >>> 0), message: words[i + 2] >>> 0 };
        }
    }
    return { handle: notAvailable("the return address " + t.formatAddress(caller.ip) + " is not within 64 slots of " + t.formatAddress(start) + " (frame pointer omitted?)"), message: undefined };
}
const MESSAGES = {
    0x0: "WM_NULL", 0x2: "WM_DESTROY", 0x5: "WM_SIZE", 0x6: "WM_ACTIVATE", 0x7: "WM_SETFOCUS", 0x8: "WM_KILLFOCUS", 0xb: "WM_SETREDRAW",
    0xc: "WM_SETTEXT", 0xd: "WM_GETTEXT", 0xe: "WM_GETTEXTLENGTH", 0xf: "WM_PAINT", 0x10: "WM_CLOSE", 0x11: "WM_QUERYENDSESSION",
    0x16: "WM_ENDSESSION", 0x18: "WM_SHOWWINDOW", 0x1a: "WM_SETTINGCHANGE", 0x1c: "WM_ACTIVATEAPP", 0x30: "WM_SETFONT", 0x31: "WM_GETFONT",
    0x3d: "WM_GETOBJECT", 0x46: "WM_WINDOWPOSCHANGING", 0x47: "WM_WINDOWPOSCHANGED", 0x4a: "WM_COPYDATA", 0x4e: "WM_NOTIFY",
    0x7e: "WM_DISPLAYCHANGE", 0x80: "WM_SETICON", 0x82: "WM_NCDESTROY", 0x100: "WM_KEYDOWN", 0x102: "WM_CHAR", 0x111: "WM_COMMAND",
    0x112: "WM_SYSCOMMAND", 0x113: "WM_TIMER", 0x201: "WM_LBUTTONDOWN", 0x210: "WM_PARENTNOTIFY", 0x219: "WM_DEVICECHANGE",
};
/** `0x10 (WM_CLOSE)`, `0x401 (WM_USER+0x1)`. */
function messageName(n) {
    const text = "0x" + n.toString(16);
    if (MESSAGES[n] !== undefined)
        return text + " (" + MESSAGES[n] + ")";
    if (n >= 0x400 && n < 0x8000)
        return text + " (WM_USER+0x" + (n - 0x400).toString(16) + ")";
    if (n >= 0x8000 && n < 0xc000)
        return text + " (WM_APP+0x" + (n - 0x8000).toString(16) + ")";
    if (n >= 0xc000 && n <= 0xffff)
        return text + " (registered message)";
    return text;
}
/** `1 thread`, `2 threads`. */
function count(n, noun) {
    return n + " " + noun + (n === 1 ? "" : "s");
}

const ANALYSES = [
    triage,
    rawStack,
    stackTraceCollection, uniqueStacks, stackTraces, blockedThreads, activeThreads, spikingThreads, suspendedThreads, exceptionStackTraces, lockWaitChains, inputThreads, messageWaitChains,
];

/**
 * The pattern catalogue: the 40 memory analysis patterns ewmda serves (the summary table of
 * `../shared/reference/patterns.md`), each with a definition in our own words, the dump kinds it applies
 * to and the classic commands a person would use. Which ewmda analyses give evidence for a pattern is
 * not written here: it is derived from the registry (every analysis's `meta.patterns`), so the catalogue
 * cannot drift from what is implemented. Part of the WinDbg bundle: ES2017 only, no target access.
 */
/** What an entry says when no analysis automates its pattern. */
const NO_AUTOMATED_CHECK = "no automated check yet";
const USER_KERNEL_COMPLETE = ["user", "kernel", "complete"];
const KERNEL_COMPLETE = ["kernel", "complete"];
const USER_COMPLETE = ["user", "complete"];
const ANY_DUMP = ["user", "kernel", "complete", "kernel minidump"];
/** In the order of the summary table. */
const PATTERNS = [
    {
        name: "Zombie Processes",
        definition: "A process that has finished running (no threads left, handle table gone) but whose process object is kept alive because something still holds a handle to it or a kernel reference on it. Many zombies of one image, or zombies with crash-like exit codes, hint at crashes and restarts or at a parent that never closes its process handles.",
        dumpKinds: KERNEL_COMPLETE,
        dumpNote: "A process dump cannot show other processes' leftovers.",
        classicCommands: ["!process 0 0", "!process <eprocess> 7", "!object <eprocess>", "!handle 0 3 0 Process", "!findhandle <eprocess>", "dt nt!_EPROCESS <eprocess> ExitTime ExitStatus"],
    },
    {
        name: "Instrumentation Information",
        definition: "Signs of diagnostic switches that were on when the dump was written: global flags, page heap, Application or Driver Verifier, handle and object-reference tracing. They tell which extra records (allocation stacks, handle traces) can be queried, and they explain heaps and timings that would otherwise look odd.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["!gflag", "!peb", "!heap -p", "!heap -s", "!avrf", "!verifier", "!htrace", "!obtrace", "lm m verifier*", "lm m vf*"],
    },
    {
        name: "Blocked Thread (software)",
        definition: "A thread that waits on a lock, an object, I/O, an RPC reply or a window message in a way its normal resting stack would not, and so holds up work. Telling it apart from ordinary idle waits needs a list of the product's expected resting stacks.",
        dumpKinds: USER_KERNEL_COMPLETE,
        dumpNote: "Only kernel and complete dumps say how long a thread has been waiting.",
        classicCommands: ["~*kv", "!uniqstack", "!findstack", "!locks", "!cs -l", "!process 0 3f", "!stacks 2", "!thread <thread> 1f", "!mutex", "!object <wait object>"],
    },
    {
        name: "Active Thread",
        definition: "A thread caught executing code rather than parked in a wait or a system-call stub. Outside dumps written on purpose at some event, such threads deserve a look: they are often the busy or spinning ones.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["~*k", "!uniqstack", "r", "!running -t -i", "!thread", "!ready"],
    },
    {
        name: "Suspended Thread",
        definition: "A thread whose suspend (or freeze) count is above zero, so the scheduler never runs it. Usually left behind by a debugger, an injector, a process created suspended, or suspend and resume calls that do not pair up.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["~", "!thread", "dt nt!_KTHREAD <thread> SuspendCount", "!process 0 7"],
    },
    {
        name: "Wait Chain (ALPC)",
        definition: "Threads linked by ALPC requests, usually RPC or COM over local ports: a client waits for a server thread, which may itself wait for another reply. Following the links leads to the thread really responsible, or back to the start, which is a deadlock.",
        dumpKinds: KERNEL_COMPLETE,
        dumpNote: "A process dump shows only the client side: threads waiting for a reply, not who owes it.",
        classicCommands: ["!thread <thread>", "!alpc /m <message>", "!alpc /p <port>", "!alpc /lpp <process>", "!process 0 17 <server process>", "!stacks 2 AlpcpSignalAndWait"],
    },
    {
        name: "Input Thread",
        definition: "The thread that has to move keyboard and mouse input along: the session's raw input and desktop threads in csrss, or the application thread that owns the focused window's queue. When it is stuck the desktop or the window stops responding to the user.",
        dumpKinds: KERNEL_COMPLETE,
        dumpNote: "A process dump covers only the application's own UI thread.",
        classicCommands: ["!process 0 ff csrss.exe", "!thread", "dt win32k!tagTHREADINFO", "dt win32k!tagQ", "~*k"],
    },
    {
        name: "Exception Stack Trace",
        definition: "The call path that led to an exception, taken from the context saved when it was raised rather than from where the faulting thread stands now. A dump can hold several: handled or hidden ones, and threads that only report the fault.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: [".lastevent", ".exr -1", ".ecxr", "k", "!analyze -v", "kv", ".cxr", ".trap", "!thread", ".bugcheck"],
    },
    {
        name: "Stack Trace Collection (Predicate)",
        definition: "The stack traces that satisfy a condition, such as containing a module or function, belonging to one process or waiting in a given state. It turns thousands of stacks into the handful that matter.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["!findstack <module>!<function> 2", "!stacks 2 <module>!<function>", "~*e", ".if", "!for_each_thread", "!sprocess <session> ff"],
    },
    {
        name: "Stack Trace Collection (CPUs)",
        definition: "One stack trace per processor: what each CPU was running when the dump was written, idle ones included. It finds the processor that was spinning or that caused the crash when the current one is only a bystander.",
        dumpKinds: KERNEL_COMPLETE,
        dumpNote: "A kernel minidump holds the context of one processor only.",
        classicCommands: ["!running -t -i", "~<n>s", "k", "!prcb <n>", "!cpuinfo", "!dpcs", "!ipi"],
    },
    {
        name: "Stack Trace Collection (Unmanaged Space)",
        definition: "The native stack traces of every thread, of one process or of the whole system. Trouble that spans threads, such as contention or call chains between components, only shows when all stacks are read together, best grouped by identical stacks.",
        dumpKinds: USER_KERNEL_COMPLETE,
        dumpNote: "A kernel dump has the kernel half of each stack only; a complete dump has both halves.",
        classicCommands: ["~*kv", "!uniqstack", "!process 0 ff", "!process 0 3f", "!stacks 2", "!for_each_thread \".thread /r /p @#Thread; kv\""],
    },
    {
        name: "Spiking Thread",
        definition: "A thread that was burning CPU when the dump was written, judged from its user and kernel time against its age and against the other threads. Accumulated time alone does not prove a current spike; a series of dumps gives the rate.",
        dumpKinds: USER_KERNEL_COMPLETE,
        dumpNote: "A process dump needs the thread-time stream (thread information); without it only the Active Thread view is left.",
        classicCommands: ["!runaway 7", ".ttime", "!thread", "!running", "!process 0 ff", "!ready"],
    },
    {
        name: "Execution Residue (Unmanaged Space, User)",
        definition: "What earlier calls left behind in a thread's user-mode stack memory: return addresses, pointers, strings and status codes, below the stack pointer and between live frames. It shows components and exceptions that the current stack no longer mentions.",
        dumpKinds: USER_COMPLETE,
        dumpNote: "Needs the stack memory in the dump; most process dumps include it.",
        classicCommands: ["!teb", "dps <stack limit> <stack base>", "dqs <stack limit> <stack base>", "dpS <stack limit> <stack base>", "dpa", "dpu", "!address", "s -sa <stack range>", "s -su <stack range>", ".exr <record>", ".cxr <context>"],
    },
    {
        name: "Execution Residue (Unmanaged Space, Kernel)",
        definition: "The same leftovers read from kernel stacks: each thread's kernel stack plus the per-processor DPC and interrupt stacks. Traces of driver calls, I/O completion and past faults survive there.",
        dumpKinds: KERNEL_COMPLETE,
        dumpNote: "Kernel stacks that were paged out are not in the dump.",
        classicCommands: ["!thread", "dps <stack limit> <initial stack>", "dpS", "!idt", "!prcb", "!pool <address>"],
    },
    {
        name: "Module Collection",
        definition: "The images loaded into a process, or the drivers loaded into the kernel, with path, timestamp, version and vendor. Wrong versions, unexpected third-party code and duplicate modules are read off this list.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["lm", "lmv", "lmft", "lm t n", "!lmi <module>", "lmvm <module>", "!dlls -v"],
    },
    {
        name: "Historical Information",
        definition: "Traces of the past that a snapshot still holds: unloaded modules, last error values, handle and allocation traces, pending I/O, old messages, stack residue, process and thread times. Taken together they reconstruct what happened before the dump.",
        dumpKinds: USER_KERNEL_COMPLETE,
        dumpNote: "Which traces exist depends on the dump kind and on the instrumentation that was on.",
        classicCommands: ["lm", "!gle -all", "!teb", "!htrace", "!heap -p -a <address>", "!irpfind", "!process", ".time", "!analyze -v", "dps", "!wmitrace.logdump"],
    },
    {
        name: "Driver Device Collection",
        definition: "The driver objects of the system and the device objects each one created, with how devices are stacked on each other. It tells who owns which device and where the filters sit, before following I/O requests.",
        dumpKinds: KERNEL_COMPLETE,
        classicCommands: ["!object \\Driver", "!object \\FileSystem", "!drvobj <driver> 7", "!devobj <device>", "!devstack <device>", "!devnode 0 1", "!fltkd.filters", "!fltkd.instances"],
    },
    {
        name: "Stack Trace (I/O devices)",
        definition: "The device stack an I/O request passes through, read like a call stack: each I/O stack location is a frame, and the current location names the driver that holds the request now.",
        dumpKinds: KERNEL_COMPLETE,
        classicCommands: ["!irp <irp>", "!devstack <device>", "!devobj <device>", "!drvobj <driver>"],
    },
    {
        name: "Stack Trace Collection (I/O requests/drivers)",
        definition: "Every outstanding I/O request with its stack locations and devices, grouped by the driver that holds it. Requests piling up in one driver point at that driver.",
        dumpKinds: KERNEL_COMPLETE,
        classicCommands: ["!irpfind", "!irpfind -v", "!irp <irp>", "!thread", "!devobj <device>", "!stacks 2 <driver>"],
    },
    {
        name: "System Object",
        definition: "Named kernel objects whose state matters to the whole system: memory condition events, global named mutexes and events, callback objects. Their state reveals global conditions such as low memory, or a lock that every process waits for.",
        dumpKinds: KERNEL_COMPLETE,
        classicCommands: ["!object \\", "!object \\KernelObjects", "!object \\BaseNamedObjects", "!object <address>", "dt nt!_KEVENT <address>", "dt nt!_KMUTANT <address>", "!handle 0 3 0 Mutant"],
    },
    {
        name: "Value References",
        definition: "Every place in memory that holds a given value: a handle, an address, a thread id, a magic number. The list of places shows who refers to the value and serves as a trace of where it went.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["s -q <range> <value>", "s -d <range> <value>", "!search <value>", ".foreach", "!address <address>", "!findstack", "ln <address>"],
    },
    {
        name: "Virtualized Process (WOW64)",
        definition: "A 32-bit process running on 64-bit Windows through WOW64 and dumped in the 64-bit view, where all threads appear parked in the WOW64 translation layer. Its real stacks appear only after switching the debugger to the 32-bit machine.",
        dumpKinds: USER_KERNEL_COMPLETE,
        dumpNote: "Mostly seen in process dumps; kernel and complete dumps identify WOW64 processes, and complete dumps hold their 32-bit stacks.",
        classicCommands: ["lm m wow64*", ".effmach x86", "!wow64exts.sw", "~*k", "!wow64exts.k", ".effmach .", "!process", "dt nt!_EPROCESS <eprocess> WoW64Process"],
    },
    {
        name: "Environment Hint",
        definition: "Environment variables and process parameters (command line, current directory, DLL search path) that tell how the process was started and configured: odd PATH entries, compatibility layers, runtime switches, redirected temporary folders.",
        dumpKinds: USER_COMPLETE,
        dumpNote: "Needs the process's user memory, which kernel dumps lack.",
        classicCommands: ["!peb", "!envvar <name>", "dt ntdll!_RTL_USER_PROCESS_PARAMETERS <address>", "du <environment block>"],
    },
    {
        name: "Deviant Token",
        definition: "A token, of a process or one a thread impersonates, that does not fit its owner's role or its peers: another account, integrity level, session or set of privileges, or an unexpected impersonation. It explains access failures and can reveal an intrusion.",
        dumpKinds: KERNEL_COMPLETE,
        dumpNote: "Process dumps rarely contain the token itself.",
        classicCommands: ["!process 0 1", "!token <token>", "!token -n", "dt nt!_TOKEN <token>", "!thread", "!sid <sid>", "!logonsession"],
    },
    {
        name: "Raw Pointer",
        definition: "An address on a stack or in data that lies in no loaded module, so the debugger can print it only as a number. Such code is usually JIT output or a thunk, but it can also be code left over from a module that was since unloaded, or injected code.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["k", "dps", "dqs", "!address <address>", "lm", "!pool <address>", "ln <address>"],
    },
    {
        name: "Out-of-Module Pointer",
        definition: "A function pointer kept in a module (import table, dispatch table, callback array) that leads outside the module it should lead to. It signals hooks, pointers left aimed at images that were unloaded, or corruption.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["!dh -f <module>", "dps <module>+<IAT offset> L<count>", "!chkimg", "!drvobj <driver> 2", "dps nt!KiServiceTable", "!address <address>", "ln <address>"],
    },
    {
        name: "Handle Limit (GDI, kernel space)",
        definition: "A process or a session that runs out of GDI handles (about ten thousand per process by default), after which drawing calls fail and windows misbehave or the program crashes. Counts per process and per object type find the leak.",
        dumpKinds: KERNEL_COMPLETE,
        dumpNote: "A full process dump answers the same question for that one process.",
        classicCommands: ["!poolused 8", "!poolused c", "!process 0 0", "dt win32k!_W32PROCESS <address> GDIHandleCount UserHandleCount", "dt ntdll!_PEB GdiSharedHandleTable"],
    },
    {
        name: "Wait Chain (Window Messaging)",
        definition: "Threads linked by synchronous window messages: a sender waits until the thread owning the window handles the message, and that thread may itself be sending or blocked. The chain can cross processes and close into a deadlock.",
        dumpKinds: USER_KERNEL_COMPLETE,
        dumpNote: "A process dump shows chains inside that process; a complete dump follows them across processes; a kernel dump has only the win32k side.",
        classicCommands: ["~*kb", "!thread", "!process 0 ff", "dt win32k!tagTHREADINFO <address> psmsSent"],
    },
    {
        name: "Missing Thread (kernel space)",
        definition: "A thread that others still depend on but that has exited or no longer exists: the owner of a lock, the server of a message, the issuer of an I/O request, or a worker a service normally keeps. What points to it is left dangling.",
        dumpKinds: KERNEL_COMPLETE,
        classicCommands: ["!process 0 7", "!locks", "!thread <thread>", "!alpc /m <message>", "!irp <irp>", "!stacks 2", "dt nt!_EPROCESS <eprocess> ActiveThreads LastThreadExitStatus"],
    },
    {
        name: "Patched Code",
        definition: "Code in memory that no longer matches the bytes of its image file: hooks planted in function prologues, leftover breakpoints, or damaged code pages. It accounts for crashes within well-known functions and for jumps that should not happen.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["!chkimg -lo 50 -d !<module>", "!chkimg -v", "u <function>", "!for_each_module \"!chkimg @#ModuleName\"", "!analyze -v"],
    },
    {
        name: "Self-Diagnosis (registry)",
        definition: "What software recorded about its own health in the registry (error states, counters, the last failure, flags it switched on), read from the hives cached in memory.",
        dumpKinds: KERNEL_COMPLETE,
        dumpNote: "Process dumps hold no registry data.",
        classicCommands: ["!reg hivelist", "!reg querykey <path>", "!reg openkeys", "!reg findkcb <path>", "!reg valuelist", "!reg kcb"],
    },
    {
        name: "Namespace",
        definition: "Qualified symbol names (C++ namespaces and classes, WinRT or managed namespaces) in stack traces and residue, which tell which framework, subsystem or vendor was executing more precisely than module names do.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["~*kc", "!uniqstack", "x <module>!<namespace>::*", "dpS"],
    },
    {
        name: "Context Pointer",
        definition: "A pointer to a saved processor context (an exception CONTEXT, a trap frame, an APC or fiber context) kept on a stack or inside some structure. Switching to it with .cxr or .trap brings back a stack the ordinary unwind cannot reach.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: [".cxr <address>", ".trap <address>", "kv", ".exr <address>", "s -d <range> <context flags>", "dt _CONTEXT <address>"],
    },
    {
        name: "Step Dumps",
        definition: "A series of dumps of one process or one system, written a short time apart and compared: which threads moved on, whose CPU time grew, which waits persisted, what kept growing.",
        dumpKinds: ["several"],
        dumpNote: "Any kind of dump, as long as there are at least two of the same target.",
        classicCommands: [".opendump <dump>", ".time", "!runaway 7", "~*k", "lm", "!handle"],
    },
    {
        name: "Eventual (Evental) Dumps",
        definition: "A dump written because some event happened (a first-chance exception, a CPU or memory threshold, a breakpoint, a process exit) not because something crashed or hung. Knowing the trigger changes how other findings read: an active thread or a handled exception can be normal there.",
        dumpKinds: ["user", "kernel"],
        dumpNote: "Mostly process dumps written by tools; kernel dumps forced by tools or by hand exist too.",
        classicCommands: [".dumpdebug", ".lastevent", ".exr -1", ".time", "~*k"],
    },
    {
        name: "Region Profile",
        definition: "A memory region (a raw stack, a heap range, a data section) turned into data: its pointer-sized values in order, each with what it means. The profile can be charted, compared across dumps, or clustered.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["dps <start> L<count>", "dqs <start> L<count>", "dpS <start> L<count>", ".writemem <file> <range>"],
    },
    {
        name: "Region Clusters",
        definition: "The values of a region sorted and grouped so that related ones cluster: small integers, error codes, pointers into one module, one heap or one stack. Sorting alone makes the structure of the region visible.",
        dumpKinds: USER_KERNEL_COMPLETE,
        classicCommands: ["dps <start> L<count>", ".writemem <file> <range>"],
    },
    {
        name: "Structure Sheaf",
        definition: "Many objects read through the same type, or through the same command, and kept together as one table, so that instances can be compared with each other and with the same instances in another dump.",
        dumpKinds: ANY_DUMP,
        classicCommands: ["dt <type> <address> <fields>", "!thread <address>", "!object <address>", ".foreach"],
    },
    {
        name: "Stack Trace (Command)",
        definition: "A stack trace kept together with the command, options and context that produced it, because different commands and contexts give different traces of the same thread. The provenance makes the trace reproducible and comparable.",
        dumpKinds: ANY_DUMP,
        classicCommands: ["k", "kv", "kc", ".cxr <context>", ".trap <trap frame>", ".thread /r /p <thread>", ".process /r /p <process>", ".effmach x86", "!thread", "!findstack"],
    },
    {
        name: "Stack Trace Collection (Commands)",
        definition: "Collections of stack traces gathered by different commands, each with its own coverage (user or kernel halves, per processor, I/O only), kept with the command that made them and merged, so that gaps and disagreements show.",
        dumpKinds: ANY_DUMP,
        classicCommands: ["~*kv", "!uniqstack", "!process 0 ff", "!stacks 2", "!for_each_thread", "!running -it", "!irpfind"],
    },
];
/** The catalogue joined with the registry: each pattern with the analyses that give evidence for it. */
function catalogue(analyses) {
    return PATTERNS.map((p) => {
        const serving = analyses.filter((a) => a.meta.patterns.indexOf(p.name) >= 0);
        return {
            name: p.name,
            definition: p.definition,
            dumpKinds: p.dumpKinds,
            dumpNote: p.dumpNote,
            classicCommands: p.classicCommands,
            analyses: serving.map((a) => a.meta.name),
            automated: serving.length > 0,
        };
    });
}
/** One line per entry's automation: analysis names, or exactly "no automated check yet". */
function automationText(entry) {
    return entry.automated ? entry.analyses.join(", ") : NO_AUTOMATED_CHECK;
}
/** The `!ewmda.patterns` table (also what `ewmda patterns` prints): a title, a header, one line per pattern. */
function renderCatalogue(entries) {
    const automated = entries.filter((e) => e.automated).length;
    const header = ["Pattern", "Dump kinds", "ewmda analyses"];
    const rows = entries.map((e) => [e.name, e.dumpKinds.join(", "), automationText(e)]);
    const widths = header.map((h, k) => {
        let w = h.length;
        for (const r of rows)
            if (r[k].length > w)
                w = r[k].length;
        return w;
    });
    const line = (cells) => cells.map((s, k) => (k === cells.length - 1 ? s : s + " ".repeat(widths[k] - s.length))).join("  ");
    return [
        "ewmda pattern catalogue: " + entries.length + " patterns, " + automated + " with an automated check",
        line(header),
        ...rows.map(line),
    ];
}

/**
 * The minidump reader's public shapes (Node side; not in the WinDbg bundle). A `Minidump` reads a
 * Windows minidump lazily from a byte source: the stream directory at open time, each stream when first
 * asked for, memory ranges on demand. Every accessor returns `undefined` when its stream is absent, and
 * adds a warning (rather than throwing) when a stream is damaged but partly usable.
 *
 * Format facts: MINIDUMP_HEADER / MINIDUMP_DIRECTORY and the stream layouts of minidumpapiset.h
 * (Microsoft Learn "MINIDUMP_TYPE", "MINIDUMP_STREAM_TYPE", "MINIDUMP_THREAD", "MINIDUMP_MODULE",
 * "MINIDUMP_MISC_INFO_5", ...), CONTEXT layouts of winnt.h for x86, AMD64 and ARM64, CONTEXT_EX/XSAVE
 * from the Intel SDM and winnt.h.
 */
/** Thrown by `Minidump.open` when the bytes are not a usable minidump; the message is one line a user can act on. */
class MinidumpError extends Error {
    name = "MinidumpError";
}

/** Kept equal to package.json's version by a test. */
const VERSION$1 = "0.1.0";

/** Base name of a module path: `C:\x\ntdll.dll` → `ntdll.dll`. */
function moduleFileName(path) {
    const i = Math.max(path.lastIndexOf("\\"), path.lastIndexOf("/"));
    return i >= 0 ? path.slice(i + 1) : path;
}
/** The name WinDbg uses in symbols: base name without extension (`ntdll`), `nt` for the kernel image. */
function moduleSymbolName(path) {
    const file = moduleFileName(path);
    const lower = file.toLowerCase();
    if (lower === "ntoskrnl.exe" || lower === "ntkrnlmp.exe" || lower === "ntkrnlpa.exe" || lower === "ntkrpamp.exe")
        return "nt";
    const dot = file.lastIndexOf(".");
    return dot > 0 ? file.slice(0, dot) : file;
}

const INTRINSICS = {
    UCHAR: { size: 1, signed: false, char: "narrow" },
    CHAR: { size: 1, signed: true, char: "narrow" },
    char: { size: 1, signed: true, char: "narrow" },
    "unsigned char": { size: 1, signed: false },
    BOOLEAN: { size: 1, signed: false },
    bool: { size: 1, signed: false },
    USHORT: { size: 2, signed: false },
    SHORT: { size: 2, signed: true },
    short: { size: 2, signed: true },
    "unsigned short": { size: 2, signed: false },
    WCHAR: { size: 2, signed: false, char: "wide" },
    wchar_t: { size: 2, signed: false, char: "wide" },
    ULONG: { size: 4, signed: false },
    LONG: { size: 4, signed: true },
    UINT4B: { size: 4, signed: false },
    INT4B: { size: 4, signed: true },
    int: { size: 4, signed: true },
    "unsigned int": { size: 4, signed: false },
    long: { size: 4, signed: true },
    "unsigned long": { size: 4, signed: false },
    ULONG64: { size: 8, signed: false },
    LONG64: { size: 8, signed: true },
    ULONGLONG: { size: 8, signed: false },
    LONGLONG: { size: 8, signed: true },
    UINT8B: { size: 8, signed: false },
    INT8B: { size: 8, signed: true },
    __int64: { size: 8, signed: true },
    "unsigned __int64": { size: 8, signed: false },
    float: { size: 4, signed: true, float: true },
    double: { size: 8, signed: true, float: true },
};
const VOID = { kind: "void", name: "void", size: 0 };
/** The types of one module (e.g. `ntdll` or `nt`) built from a layout set. */
class TypeTable {
    layout;
    cache = new Map();
    constructor(layout) {
        this.layout = layout;
    }
    get pointerSize() {
        return this.layout.pointerSize;
    }
    /** Resolves a type string (`_TEB`, `_PEB*`, `UCHAR[15]`, `nt!_EPROCESS`); undefined when unknown. */
    resolve(typeName) {
        const name = normalize(typeName);
        const hit = this.cache.get(name);
        if (hit)
            return hit;
        const t = this.build(name);
        if (t)
            this.cache.set(name, t);
        return t;
    }
    build(name) {
        if (name === "void")
            return VOID;
        if (name.endsWith("*")) {
            const inner = name.slice(0, -1).trim();
            const target = this.resolve(inner);
            if (!target)
                return undefined;
            return { kind: "pointer", name: `${target.name} *`, size: this.pointerSize, target };
        }
        const arr = /^(.*)\[(\d+)\]$/.exec(name);
        if (arr) {
            const element = this.resolve(arr[1]);
            if (!element)
                return undefined;
            const count = Number(arr[2]);
            return { kind: "array", name: `${element.name}[${count}]`, size: element.size * count, element, count };
        }
        const intrinsic = INTRINSICS[name];
        if (intrinsic)
            return { kind: "intrinsic", name, ...intrinsic };
        const layout = this.layout.types[name];
        if (!layout)
            return undefined;
        // Placeholder first so recursive references resolve to the same object.
        const fields = [];
        const byName = new Map();
        const udt = { kind: "udt", name, size: layout.size, fields, field: (n) => byName.get(n) };
        this.cache.set(name, udt);
        for (const [fieldName, spec] of Object.entries(layout.fields)) {
            const type = this.resolve(spec[1]);
            if (!type)
                throw new Error(`layout ${this.layout.id}: ${name}.${fieldName} has unknown type ${spec[1]}`);
            const field = spec.length === 4
                ? { name: fieldName, offset: spec[0], type, bits: { lsb: spec[2], length: spec[3] } }
                : { name: fieldName, offset: spec[0], type };
            fields.push(field);
            byName.set(fieldName, field);
        }
        return udt;
    }
}
function normalize(typeName) {
    let s = typeName.trim();
    const bang = s.indexOf("!");
    if (bang >= 0)
        s = s.slice(bang + 1);
    s = s.replace(/\s+\*/g, "*").replace(/\s+/g, " ");
    if (s.startsWith("struct "))
        s = s.slice(7);
    if (s === "PVOID" || s === "HANDLE")
        s = "void*";
    return s;
}
/** A throwaway table with only intrinsics and pointers, for `createPointerObject(addr, "ntdll", "void*")` without layouts. */
function intrinsicTable(pointerSize) {
    return new TypeTable({ id: `intrinsics-${pointerSize * 8}`, pointerSize, source: "built in", types: {} });
}

class ModuleSet {
    modules;
    sorted;
    symbolLists = new Map();
    typeTables = new Map();
    constructor(modules) {
        this.modules = modules;
        this.sorted = [...modules].sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
    }
    /** The module a name refers to: `ntdll`, `ntdll.dll`, a full path, or `nt` for the kernel. */
    byName(name) {
        const wanted = name.toLowerCase();
        return this.modules.find((m) => m.name.toLowerCase() === wanted ||
            moduleFileName(m.name).toLowerCase() === wanted ||
            moduleSymbolName(m.name).toLowerCase() === wanted);
    }
    at(address) {
        let lo = 0;
        let hi = this.sorted.length - 1;
        while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            const m = this.sorted[mid];
            if (address < m.base)
                hi = mid - 1;
            else if (address >= m.base + BigInt(m.size))
                lo = mid + 1;
            else
                return m;
        }
        return undefined;
    }
    /** Symbols the debugger would use for a module: the PDB's, else its exports. */
    symbolsOf(m) {
        let list = this.symbolLists.get(m);
        if (!list) {
            list = [...(m.symbols ?? m.exports ?? [])].sort((a, b) => a.rva - b.rva);
            this.symbolLists.set(m, list);
        }
        return list;
    }
    /** The symbol containing an address (nearest preceding; bounded by its size when known). */
    symbolAt(address) {
        const m = this.at(address);
        if (!m)
            return undefined;
        const rva = Number(address - m.base);
        const list = this.symbolsOf(m);
        let lo = 0;
        let hi = list.length - 1;
        let best = -1;
        while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            if (list[mid].rva <= rva) {
                best = mid;
                lo = mid + 1;
            }
            else
                hi = mid - 1;
        }
        if (best < 0)
            return undefined;
        const s = list[best];
        if (s.size !== undefined && rva >= s.rva + Math.max(s.size, 1))
            return undefined;
        const address0 = m.base + BigInt(s.rva);
        return { module: m, symbol: s, address: address0, displacement: address - address0, qualifiedName: `${moduleSymbolName(m.name)}!${s.name}` };
    }
    symbolByName(m, name) {
        return this.symbolsOf(m).find((s) => s.name === name);
    }
    /** Type information of a module (only when its symbols loaded and carry types). */
    types(m) {
        let t = this.typeTables.get(m);
        if (t === undefined) {
            t = m.symbols && m.types ? new TypeTable(m.types) : null;
            this.typeTables.set(m, t);
        }
        return t ?? undefined;
    }
    /** `module!symbol+0xoff` or `module+0xoff` as WinDbg prints an address. */
    format(address) {
        const hit = this.symbolAt(address);
        if (hit)
            return hit.displacement ? `${hit.qualifiedName}+0x${hit.displacement.toString(16)}` : hit.qualifiedName;
        const m = this.at(address);
        if (m)
            return `${moduleSymbolName(m.name)}+0x${(address - m.base).toString(16)}`;
        return address.toString(16).padStart(16, "0");
    }
}

/**
 * Stack reconstruction for the Linux runner, without symbols or unwind tables: the context frame, then
 * per architecture the unwinding a symbol-less debugger does (the rules Breakpad's processor documents and
 * applies when it has no CFI, so our frames can be compared with its output):
 *
 * - x86: the frame-pointer chain (`eip = [ebp+4]`, `esp = ebp+8`, `ebp = [ebp]`) while `[ebp]` is readable,
 *   else a scan for a return address, restoring `ebp` from the word below it when that looks like a chain.
 * - x64 (Windows): the leaf rule for the context frame (a return address at `[rsp]` or `[rsp+8]`), then a
 *   scan; Windows x64 code does not keep frame pointers, so `rbp` chains are not followed.
 * - ARM64: the frame-pointer chain (`pc = lr`, `lr = [fp+8]`, `fp = [fp]`, `sp = fp+16`), else a scan.
 *
 * A scan looks at up to 40 words above the stack pointer (160 for the context frame) for a value whose
 * previous byte lies inside a loaded module (the return address follows its call instruction). A walk ends at an instruction pointer below 0x1000, when the stack pointer stops
 * growing, after 1024 frames, or after 1024 scanned frames.
 */
/** 40 words: what reproduces Breakpad's output on every real dump in ../shared/testdata (30 in some Breakpad versions). */
const SEARCH_WORDS = 40;
const MAX_FRAMES = 1024;
const MAX_SCANNED = 1024;
const MAX_REASONABLE_GAP = 128n * 1024n;
const MASK48 = (1n << 48n) - 1n;
function walkStack(input) {
    const { arch, memory, isCode } = input;
    const word = arch === "x86" ? 4n : 8n;
    const mask = arch === "x86" ? 0xffffffffn : (1n << 64n) - 1n;
    const reg = (...names) => { for (const n of names) {
        const v = input.registers[n];
        if (v !== undefined)
            return v;
    } return undefined; };
    const ip0 = reg("rip", "eip", "pc");
    const sp0 = reg("rsp", "esp", "sp");
    if (ip0 === undefined || sp0 === undefined)
        return [];
    const frames = [];
    const current = { ip: ip0, sp: sp0, fp: reg("rbp", "ebp", "fp", "x29"), lr: reg("lr", "x30"), lrValid: true };
    frames.push({ ip: current.ip, sp: current.sp, fp: current.fp, foundBy: "context", regs: current });
    const limit = Math.min(input.maxFrames ?? MAX_FRAMES, MAX_FRAMES);
    let scanned = 0;
    const scan = (start, words) => {
        for (let i = 0; i <= words; i++) {
            const location = (start + BigInt(i) * word) & mask;
            const v = memory.readPointer(location);
            if (v === undefined)
                return undefined;
            // A return address follows its call: the byte before it must be code (a module's base is not a return address).
            if (isCode(v - 1n))
                return { location, ip: v };
        }
        return undefined;
    };
    const stripPac = (v) => (isCode(v & MASK48) ? v & MASK48 : v);
    while (frames.length < limit) {
        const last = frames[frames.length - 1];
        const isContext = last.foundBy === "context";
        const scanAllowed = scanned < MAX_SCANNED;
        let next;
        if (arch === "x86") {
            const ebp = last.regs.fp ?? 0n;
            const ret = memory.readPointer((ebp + 4n) & mask);
            const savedEbp = memory.readPointer(ebp);
            if (ret !== undefined && savedEbp !== undefined) {
                next = { regs: { ip: ret, sp: (ebp + 8n) & mask, fp: savedEbp }, foundBy: "frame-pointer" };
            }
            else if (scanAllowed) {
                const found = scan(last.regs.sp, isContext ? SEARCH_WORDS * 4 : SEARCH_WORDS);
                if (found) {
                    const sp = found.location + 4n;
                    const chain = sp - 8n;
                    const candidate = memory.readPointer(chain);
                    const fp = candidate !== undefined && candidate > chain && candidate - chain <= MAX_REASONABLE_GAP ? candidate : last.regs.fp;
                    next = { regs: { ip: found.ip, sp, fp }, foundBy: "scan" };
                }
            }
        }
        else if (arch === "x64") {
            if (isContext) {
                const leaf = scan(last.regs.sp, 1);
                if (leaf)
                    next = { regs: { ip: leaf.ip, sp: leaf.location + 8n, fp: last.regs.fp }, foundBy: "leaf" };
            }
            if (!next && scanAllowed) {
                const found = scan(last.regs.sp, isContext ? SEARCH_WORDS * 4 : SEARCH_WORDS);
                if (found) {
                    // Keep a plausible rbp for later frames (the callee's saved rbp just below the return address, or an unchanged one).
                    let fp;
                    const lastFp = last.regs.fp;
                    if (lastFp !== undefined && found.location - 8n === lastFp) {
                        const saved = memory.readPointer(lastFp);
                        if (saved !== undefined && saved > found.location)
                            fp = saved;
                    }
                    else if (lastFp !== undefined && lastFp >= found.location + 8n) {
                        fp = lastFp;
                    }
                    next = { regs: { ip: found.ip, sp: found.location + 8n, fp }, foundBy: "scan" };
                }
            }
        }
        else {
            // A scanned frame's lr is stale; recover it from the callee's frame record when the fp chain agrees.
            let lr = last.regs.lr;
            if (!last.regs.lrValid && frames.length >= 2 && (last.regs.fp ?? 0n) > last.regs.sp) {
                const calleeFp = frames[frames.length - 2].regs.fp ?? 0n;
                if (calleeFp !== 0n && memory.readPointer(calleeFp) === last.regs.fp) {
                    const saved = memory.readPointer(calleeFp + 8n);
                    if (saved !== undefined)
                        lr = stripPac(saved);
                }
            }
            const fp = last.regs.fp ?? 0n;
            let callerFp = 0n;
            let callerLr = 0n;
            if (fp !== 0n) {
                callerFp = memory.readPointer(fp);
                callerLr = memory.readPointer(fp + 8n);
            }
            if (callerFp !== undefined && callerLr !== undefined && lr !== undefined) {
                // A frame-pointer frame that breaks the invariants ends the walk (no scan after it).
                next = { regs: { ip: lr, sp: fp !== 0n ? fp + 16n : last.regs.sp, fp: callerFp, lr: stripPac(callerLr), lrValid: true }, foundBy: "frame-pointer" };
            }
            if (!next && scanAllowed) {
                const found = scan(last.regs.sp, isContext ? SEARCH_WORDS * 4 : SEARCH_WORDS);
                if (found)
                    next = { regs: { ip: found.ip, sp: found.location + 8n, fp: last.regs.fp, lr: last.regs.lr, lrValid: false }, foundBy: "scan" };
            }
        }
        if (!next || terminates(next.regs, last.regs, isContext))
            break;
        if (next.foundBy === "scan")
            scanned++;
        frames.push({ ip: next.regs.ip, sp: next.regs.sp, fp: next.regs.fp, foundBy: next.foundBy, regs: next.regs });
    }
    return frames.map(({ ip, sp, fp, foundBy }) => ({ ip, sp, fp, foundBy }));
}
/** End of stack: an instruction pointer below 4 KiB, or a stack pointer that did not grow (equal allowed on the first unwind). */
function terminates(caller, callee, firstUnwind) {
    if (caller.ip < 0x1000n)
        return true;
    return firstUnwind ? caller.sp < callee.sp : caller.sp <= callee.sp;
}
/** Breakpad's words for how a frame was found, for reports compared with its output. */
function foundByText(f) {
    switch (f) {
        case "context": return "given as instruction pointer in context";
        case "frame-pointer": return "previous frame's frame pointer";
        case "leaf": return "simulating a return from leaf function";
        case "scan": return "stack scanning";
    }
}

/**
 * Answers for the debugger commands analyses may run through ExecuteCommand (`~`, `!runaway`, `.exr -1`,
 * `lm`, `!handle`, `.lastevent`, `.dumpdebug`), generated from the dump's own data in the layout WinDbg
 * prints them, so analyses that parse command output can be tested headless. Where a dump lacks the data
 * the answer is WinDbg's error text for that case.
 */
/** `00007ff6`1a2d0000` (64-bit) or `0040a000` (32-bit), as WinDbg prints addresses. */
function windbgAddress(v, pointerSize) {
    const digits = v.toString(16).padStart(pointerSize * 2, "0");
    return pointerSize === 8 ? `${digits.slice(0, 8)}\`${digits.slice(8)}` : digits;
}
/** The name WinDbg prints after an exception code (the same table the extension uses). */
function exceptionName(code) {
    return exceptionCodeInfo(code >>> 0)?.text ?? "Unknown exception";
}
function hex8$1(n) {
    return (n >>> 0).toString(16).padStart(8, "0");
}
function duration(hundredNs) {
    const ms = hundredNs / 10000n;
    const days = ms / 86400000n;
    const h = (ms / 3600000n) % 24n;
    const m = (ms / 60000n) % 60n;
    const s = (ms / 1000n) % 60n;
    const frac = ms % 1000n;
    return `${days} days ${h}:${m.toString().padStart(2, "0")}:${s.toString().padStart(2, "0")}.${frac.toString().padStart(3, "0")}`;
}
function threadsCommand(f) {
    const exceptionTid = f.dump.exception()?.threadId;
    const names = f.dump.threadNames();
    return f.dump.threads().map((t, i) => {
        const mark = t.id === f.currentThreadId ? "." : t.id === exceptionTid ? "#" : " ";
        const name = names.get(t.id);
        return `${mark}${String(i).padStart(3)}  Id: ${f.processId.toString(16)}.${t.id.toString(16)} Suspend: ${t.suspendCount} Teb: ${windbgAddress(t.teb, f.pointerSize)} Unfrozen${name ? ` "${name}"` : ""}`;
    });
}
function runawayCommand(f, flags) {
    const info = f.dump.threadInfo();
    if (info.size === 0) {
        return ["ERROR: !runaway: extension exception 0x80004002.", '    "Unable to get thread times - dumps may not have time information"'];
    }
    const index = new Map(f.dump.threads().map((t, i) => [t.id, i]));
    const dumpTime = BigInt(f.dump.header.timestamp) * 10000000n + 116444736000000000n;
    const section = (title, value) => {
        const rows = [...info.values()].map((t) => ({ t, v: value(t) })).sort((a, b) => (b.v > a.v ? 1 : b.v < a.v ? -1 : 0));
        return [` ${title}`, "  Thread       Time", ...rows.map(({ t, v }) => `  ${String(index.get(t.threadId) ?? "?").padStart(2)}:${t.threadId.toString(16).padEnd(8)} ${duration(v)}`)];
    };
    const out = [];
    if (flags & 1)
        out.push(...section("User Mode Time", (t) => t.userTime));
    if (flags & 2)
        out.push(...section("Kernel Mode Time", (t) => t.kernelTime));
    if (flags & 4)
        out.push(...section("Elapsed Time", (t) => (t.createTime > 0n && dumpTime > t.createTime ? dumpTime - t.createTime : 0n)));
    return out;
}
/** `.exr` names the address with a pointer-wide displacement: `(app!main+0x0000000000000024)`, `(app+0x00001234)`. */
function exrLocation(f, address) {
    const wide = (d) => (d ? `+0x${d.toString(16).padStart(f.pointerSize * 2, "0")}` : "");
    const hit = f.modules.symbolAt(address);
    if (hit)
        return `${hit.qualifiedName}${wide(hit.displacement)}`;
    const m = f.modules.at(address);
    return m ? `${moduleSymbolName(m.name)}${wide(address - m.base)}` : "";
}
function exceptionLines(f, e) {
    const r = e.record;
    const code = r.code >>> 0;
    const ps = f.pointerSize;
    const where = f.modules.at(r.address) ? ` (${exrLocation(f, r.address)})` : "";
    const lines = [
        `ExceptionAddress: ${windbgAddress(r.address, ps).replace("`", "")}${where}`,
        `   ExceptionCode: ${hex8$1(code)} (${exceptionName(code)})`,
        `  ExceptionFlags: ${hex8$1(r.flags)}`,
        `NumberParameters: ${r.parameters.length}`,
        ...r.parameters.map((p, i) => `   Parameter[${i}]: ${p.toString(16).padStart(ps * 2, "0")}`),
    ];
    if (code === 0xc0000005 && r.parameters.length >= 2) {
        const kind = r.parameters[0];
        const target = r.parameters[1].toString(16).padStart(ps * 2, "0");
        lines.push(kind === 8n ? `Attempt to execute non-executable address ${target}` : kind === 1n ? `Attempt to write to address ${target}` : `Attempt to read from address ${target}`);
    }
    if (code === 0xc0000409 && r.parameters.length >= 1) {
        const sub = Number(r.parameters[0]);
        lines.push(`Subcode: 0x${sub.toString(16)} ${fastFailName(sub)}`);
    }
    return lines;
}
/** `Thu Sep  8 12:55:08.000 2016 (UTC + 0:00)`, as WinDbg prints the debugger time (here: the dump's, in UTC). */
function debuggerTime(seconds) {
    const d = new Date(seconds * 1000);
    const two = (n) => String(n).padStart(2, "0");
    const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
    const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
    return `${day} ${month} ${String(d.getUTCDate()).padStart(2)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.000 ${d.getUTCFullYear()} (UTC + 0:00)`;
}
function lastEventCommand(f) {
    const e = f.dump.exception();
    const time = debuggerTime(f.dump.header.timestamp);
    if (!e)
        return [`Last event: ${f.processId.toString(16)}.${(f.currentThreadId ?? 0).toString(16)}: the dump has no exception stream`, `  debugger time: ${time}`];
    const code = e.record.code >>> 0;
    return [`Last event: ${f.processId.toString(16)}.${e.threadId.toString(16)}: ${exceptionName(code)} - code ${hex8$1(code)} (first/second chance not available)`, `  debugger time: ${time}`];
}
function lmCommand(f) {
    const ps = f.pointerSize;
    const width = ps === 8 ? 17 : 8;
    const out = [`start${" ".repeat(width - 5 + 1)}end${" ".repeat(width - 3 + 3)}module name`];
    for (const m of [...f.dump.modules()].sort((a, b) => (a.base < b.base ? -1 : 1))) {
        const stem = m.name.replace(/\.[^.]*$/, "");
        out.push(`${windbgAddress(m.base, ps)} ${windbgAddress(m.base + BigInt(m.size), ps)}   ${stem.padEnd(10)} (deferred)`);
    }
    const unloaded = f.dump.unloadedModules();
    if (unloaded.length) {
        out.push("", "Unloaded modules:");
        for (const u of unloaded)
            out.push(`${windbgAddress(u.base, ps)} ${windbgAddress(u.base + BigInt(u.size), ps)}   ${u.name}`);
    }
    return out;
}
function handleCommand(f) {
    const handles = f.dump.handles();
    if (!handles)
        return ["ERROR: !handle: extension exception 0x80004002.", '    "Unable to read handle information"'];
    const out = [];
    const counts = new Map();
    for (const h of handles) {
        const type = h.typeName ?? "None";
        counts.set(type, (counts.get(type) ?? 0) + 1);
        out.push(`Handle ${h.handle.toString(16)}`, `  Type         \t${type}`);
    }
    out.push(`${handles.length} Handles`, "Type           \tCount");
    for (const [type, n] of [...counts].sort((a, b) => a[0].localeCompare(b[0])))
        out.push(`${type.padEnd(15)}\t${n}`);
    return out;
}
function setBits(flags) {
    const bits = [];
    for (let b = 0; b < 64; b++)
        if ((flags >> BigInt(b)) & 1n)
            bits.push(b);
    return bits;
}
function dumpDebugCommand(f) {
    const h = f.dump.header;
    const out = [
        "----- User Mini Dump Analysis", "",
        "MINIDUMP_HEADER:",
        `Version         A793 (${h.implementationVersion.toString(16).toUpperCase().padStart(4, "0")})`,
        `NumberOfStreams ${h.streamCount}`,
        `Flags           ${h.flags.toString(16)}`,
        // One line per set flag, its value then its name (flagNames are in bit order).
        ...h.flagNames.map((n, i) => `                ${(1n << BigInt(setBits(h.flags)[i] ?? 0)).toString(16).padStart(4, "0")} ${n}`),
        "", "Streams:",
    ];
    f.dump.streams().forEach((s, i) => {
        out.push(`Stream ${i}: type ${s.name} (${s.type}), size ${hex8$1(s.size).toUpperCase()}, RVA ${hex8$1(s.offset).toUpperCase()}`);
    });
    const comments = f.dump.comments();
    if (comments.ascii)
        out.push("", `Comment: ${comments.ascii}`);
    if (comments.wide)
        out.push("", `Comment: ${comments.wide}`);
    return out;
}
/** `kn` as WinDbg prints it: ` # Child-SP          RetAddr               Call Site` then one line per frame. */
function stackCommand(f, frames) {
    const ps = f.pointerSize;
    const header = ps === 8 ? " # Child-SP          RetAddr               Call Site" : " # ChildEBP RetAddr  Call Site";
    return [header, ...frames.map((fr, i) => {
            const ret = frames[i + 1]?.ip ?? 0n;
            // x64 shows Child-SP (the frame's stack pointer); x86 shows ChildEBP (the frame pointer).
            const child = ps === 8 ? fr.sp : fr.fp ?? fr.sp;
            const gap = ps === 8 ? "     " : " ";
            return `${i.toString(16).padStart(2, "0")} ${windbgAddress(child, ps)} ${windbgAddress(ret, ps)}${gap}${f.modules.format(fr.ip)}`;
        })];
}
/** The CommandTable the emulated debugger consults for commands it does not implement itself. */
function commandTable(f) {
    return (command) => {
        const c = command.trim().replace(/\s+/g, " ");
        if (c === "~" || c === "~*")
            return threadsCommand(f);
        const runaway = /^!runaway(?: (\d+))?$/.exec(c);
        if (runaway)
            return runawayCommand(f, runaway[1] ? parseInt(runaway[1], 16) : 1);
        if (c === ".exr -1") {
            const e = f.dump.exception();
            return e ? exceptionLines(f, e) : ["The dump has no exception record (no exception stream)."];
        }
        if (c === ".lastevent")
            return lastEventCommand(f);
        if (c === "lm" || c === "lmn" || c === "lm n")
            return lmCommand(f);
        if (c === "!handle" || c === "!handle 0" || c === "!handle 0 0")
            return handleCommand(f);
        if (c === ".dumpdebug")
            return dumpDebugCommand(f);
        if ((c === "k" || c === "kn") && f.currentFrames)
            return stackCommand(f, f.currentFrames());
        // `.ecxr` switches to the exception context; the analyses run `.ecxr;kn;.cxr` to read the faulting stack.
        if (c === ".ecxr;kn;.cxr" || c === ".ecxr; kn; .cxr" || c === ".ecxr;kn" || c === ".ecxr; kn") {
            const frames = f.exceptionFrames?.();
            return frames ? stackCommand(f, frames) : ["Unable to get exception context, HRESULT 0x80004002"];
        }
        return undefined;
    };
}

/**
 * `ewmda info <dump>`: what the dump holds and what each analysis can use. With --json, one object whose
 * fields are a documented contract (README): addresses and codes are "0x..." lowercase hex strings,
 * counts are numbers.
 */
const hex$2 = (v) => "0x" + (typeof v === "bigint" ? v : BigInt(v >>> 0)).toString(16);
/** What the dump offers each analysis (so a user knows why a result says "not available"). */
function capabilities(dump, target) {
    const threads = dump.threads();
    const withStack = threads.filter((t) => t.stack.size > 0 && dump.readMemory(t.stack.start, Math.min(t.stack.size, 16)) !== undefined).length;
    const withTeb = threads.filter((t) => t.teb !== 0n && dump.readMemory(t.teb, target.spec.pointerSize * 3) !== undefined).length;
    return [{
            analysis: "RawStack",
            usable: withStack > 0,
            why: `${withStack} of ${threads.length} threads have captured stack memory; ${withTeb} have a readable TEB (the others are scanned up from the stack pointer)`,
        }];
}
function dumpInfo(file, dump, target) {
    const sys = dump.systemInfo();
    const misc = dump.miscInfo();
    const names = dump.threadNames();
    const ranges = dump.memoryRanges();
    const e = dump.exception();
    const handles = dump.handles();
    const mi = dump.memoryInfo();
    return {
        file: path.basename(file),
        arch: target.arch,
        os: sys ? { platform: sys.platform, version: `${sys.majorVersion}.${sys.minorVersion}.${sys.buildNumber}`, build: sys.buildNumber, servicePack: sys.csdVersion || null } : null,
        cpuCount: sys ? sys.processorCount : null,
        processId: misc?.processId ?? (target.spec.processes[0].id || null),
        processName: dump.modules()[0]?.name ?? null,
        dumpTime: new Date(dump.header.timestamp * 1000).toISOString(),
        threads: dump.threads().map((t) => {
            const name = names.get(t.id);
            return { id: t.id, ...(name !== undefined ? { name } : {}), stack: { start: hex$2(t.stack.start), size: t.stack.size } };
        }),
        modules: dump.modules().map((m) => ({ name: m.name, path: m.path, base: hex$2(m.base), size: m.size, ...(m.version ? { version: m.version.fileVersion } : {}) })),
        unloadedModules: dump.unloadedModules().map((u) => ({ name: u.name, path: u.path, base: hex$2(u.base), size: u.size })),
        handles: handles ? handles.length : null,
        exception: e ? { threadId: e.threadId, code: hex$2(e.record.code), address: hex$2(e.record.address), name: exceptionName(e.record.code) } : null,
        streams: dump.streams().map((s) => s.name),
        unknownStreams: dump.unknownStreams().map((s) => s.name),
        memory: { ranges: ranges.length, bytes: ranges.reduce((n, r) => n + r.size, 0), regions: mi ? mi.length : null },
        capabilities: capabilities(dump, target),
        warnings: [...dump.warnings, ...target.warnings],
    };
}
function mb(n) {
    return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}
function renderInfo(info, target) {
    const out = [];
    const os = info.os ? `${info.os.platform} ${info.os.version}${info.os.servicePack ? " " + info.os.servicePack : ""}` : "unknown OS (no system info stream)";
    out.push(`Dump:        ${info.file}, written ${info.dumpTime}`);
    out.push(`System:      ${os}, ${info.arch}${info.cpuCount ? `, ${info.cpuCount} CPUs` : ""}`);
    out.push(`Process:     ${info.processName ?? "?"}${info.processId !== null ? `, pid ${info.processId} (0x${info.processId.toString(16)})` : ""}`);
    if (info.exception) {
        const where = target.spec.processes[0].modules.find((m) => BigInt(info.exception.address) >= m.base && BigInt(info.exception.address) < m.base + BigInt(m.size));
        const at = where ? ` (${path.win32.basename(where.name)}+0x${(BigInt(info.exception.address) - where.base).toString(16)})` : "";
        out.push(`Exception:   ${info.exception.code} ${info.exception.name} at ${info.exception.address}${at}, thread 0x${info.exception.threadId.toString(16)}`);
    }
    else {
        out.push("Exception:   none (no exception stream)");
    }
    const named = info.threads.filter((t) => t.name !== undefined).length;
    out.push(`Threads:     ${info.threads.length}${named ? ` (${named} named)` : ""}`);
    out.push(`Modules:     ${info.modules.length} loaded, ${info.unloadedModules.length} unloaded`);
    out.push(`Handles:     ${info.handles === null ? "not captured" : info.handles}`);
    out.push(`Memory:      ${mb(info.memory.bytes)} captured in ${info.memory.ranges} ranges${info.memory.regions !== null ? `; ${info.memory.regions} regions described` : ""}`);
    out.push(`Streams:     ${info.streams.join(", ")}`);
    out.push("Analyses:");
    for (const c of info.capabilities)
        out.push(`  ${c.analysis.padEnd(12)} ${c.usable ? "usable" : "not usable"}: ${c.why}`);
    if (info.warnings.length) {
        out.push("Warnings:");
        for (const w of info.warnings)
            out.push(`  ${w}`);
    }
    return out;
}

/**
 * Analyses named by dx name, command name or catalogue pattern name (case-insensitive); when none are named,
 * Triage (which runs every finding analysis), or with `all` every analysis one by one.
 */
function selectAnalyses(names, all_ = false) {
    const all = ANALYSES.map((a) => a.meta);
    if (names.length === 0)
        return all_ ? all.filter((m) => m.name !== "Triage") : all.filter((m) => m.name === "Triage");
    const out = [];
    for (const n of names) {
        const k = n.toLowerCase();
        const hits = all.filter((m) => m.name.toLowerCase() === k || m.command === k || m.patterns.some((p) => p.toLowerCase() === k));
        if (hits.length === 0) {
            throw new Error(`unknown analysis or pattern "${n}" (known: ${all.map((m) => m.name).join(", ")})`);
        }
        for (const h of hits)
            if (!out.includes(h))
                out.push(h);
    }
    return out;
}
function frameText(f, i, modules, ps) {
    const where = modules.at(f.ip) ? modules.format(f.ip) : windbgAddress(f.ip, ps);
    return `${String(i).padStart(3)}  ${where.padEnd(40)} sp=${windbgAddress(f.sp, ps)}  (${foundByText(f.foundBy)})`;
}
function analyze(session, metas, format, progress) {
    const { dbg, target } = session;
    const documents = [];
    const text = [];
    if (format === "text") {
        const info = dumpInfo(session.file, session.dump, target);
        text.push(...renderInfo(info, target).filter((l) => !l.startsWith("Streams:")));
        const frames = target.exceptionFrames ?? target.threads.find((t) => t.id === target.spec.currentThreadId)?.frames;
        if (frames && frames.length) {
            text.push("", `Stack of thread 0x${(target.spec.currentThreadId ?? 0).toString(16)}${target.exceptionFrames ? " at the exception (.ecxr)" : ""}:`);
            const modules = new ModuleSet(target.spec.processes[0].modules);
            frames.forEach((f, i) => text.push(frameText(f, i, modules, target.spec.pointerSize)));
        }
    }
    metas.forEach((m, i) => {
        progress(`[${i + 1}/${metas.length}] ${m.name}`);
        if (format === "text") {
            text.push("", ...dbg.execute(`!ewmda_${m.command}`));
        }
        else {
            const json = dbg.dx(`Debugger.Utility.Ewmda.${m.name}().ToJson()`);
            documents.push(JSON.parse(String(json)));
        }
    });
    return { documents, text };
}

const WINDOWS_USER_X64 = {
    id: "win10-1607-ntdll-x64",
    pointerSize: 8,
    source: "github.com/ntdiff/headers Win10_1607_RS1/x64/System32/ntdll.dll (Standalone/_PEB.h, Standalone/_LDR_DATA_TABLE_ENTRY.h, ALL_SORTED.h), " +
        "Windows 10 1607 build 10.0.14393, public ntdll symbols",
    types: {
        // from Standalone/_LDR_DATA_TABLE_ENTRY.h
        _LIST_ENTRY: {
            size: 0x10,
            fields: {
                Flink: [0x0, "_LIST_ENTRY*"],
                Blink: [0x8, "_LIST_ENTRY*"],
            },
        },
        // from Standalone/_LDR_DATA_TABLE_ENTRY.h
        _UNICODE_STRING: {
            size: 0x10,
            fields: {
                Length: [0x0, "USHORT"],
                MaximumLength: [0x2, "USHORT"],
                Buffer: [0x8, "WCHAR*"],
            },
        },
        // from ALL_SORTED.h
        _CLIENT_ID: {
            size: 0x10,
            fields: {
                UniqueProcess: [0x0, "void*"],
                UniqueThread: [0x8, "void*"],
            },
        },
        // from Standalone/_PEB.h
        _LARGE_INTEGER: {
            size: 0x8,
            fields: {
                LowPart: [0x0, "ULONG"],
                HighPart: [0x4, "LONG"],
                QuadPart: [0x0, "LONGLONG"],
            },
        },
        // from Standalone/_PEB.h
        _ULARGE_INTEGER: {
            size: 0x8,
            fields: {
                LowPart: [0x0, "ULONG"],
                HighPart: [0x4, "ULONG"],
                QuadPart: [0x0, "ULONGLONG"],
            },
        },
        // from ALL_SORTED.h
        _EXCEPTION_REGISTRATION_RECORD: {
            size: 0x10,
            fields: {
                Next: [0x0, "_EXCEPTION_REGISTRATION_RECORD*"],
                Handler: [0x8, "void*"],
            },
        },
        // from ALL_SORTED.h (all fields)
        _NT_TIB: {
            size: 0x38,
            fields: {
                ExceptionList: [0x0, "_EXCEPTION_REGISTRATION_RECORD*"],
                StackBase: [0x8, "void*"],
                StackLimit: [0x10, "void*"],
                SubSystemTib: [0x18, "void*"],
                FiberData: [0x20, "void*"],
                Version: [0x20, "ULONG"],
                ArbitraryUserPointer: [0x28, "void*"],
                Self: [0x30, "_NT_TIB*"],
            },
        },
        // from ALL_SORTED.h
        _TEB: {
            size: 0x1838,
            fields: {
                NtTib: [0x0, "_NT_TIB"],
                EnvironmentPointer: [0x38, "void*"],
                ClientId: [0x40, "_CLIENT_ID"],
                ActiveRpcHandle: [0x50, "void*"],
                ThreadLocalStoragePointer: [0x58, "void*"],
                ProcessEnvironmentBlock: [0x60, "_PEB*"],
                LastErrorValue: [0x68, "ULONG"],
                CountOfOwnedCriticalSections: [0x6c, "ULONG"],
                CsrClientThread: [0x70, "void*"],
                Win32ThreadInfo: [0x78, "void*"],
                User32Reserved: [0x80, "ULONG[26]"],
                UserReserved: [0xe8, "ULONG[5]"],
                WOW32Reserved: [0x100, "void*"],
                CurrentLocale: [0x108, "ULONG"],
                FpSoftwareStatusRegister: [0x10c, "ULONG"],
                ReservedForDebuggerInstrumentation: [0x110, "void*[16]"],
                SystemReserved1: [0x190, "void*[37]"],
                WorkingOnBehalfTicket: [0x2b8, "UCHAR[8]"],
                ExceptionCode: [0x2c0, "LONG"],
                ActivationContextStackPointer: [0x2c8, "void*"],
                InstrumentationCallbackSp: [0x2d0, "ULONGLONG"],
                InstrumentationCallbackPreviousPc: [0x2d8, "ULONGLONG"],
                InstrumentationCallbackPreviousSp: [0x2e0, "ULONGLONG"],
                TxFsContext: [0x2e8, "ULONG"],
                InstrumentationCallbackDisabled: [0x2ec, "UCHAR"],
                RealClientId: [0x7d8, "_CLIENT_ID"],
                GdiCachedProcessHandle: [0x7e8, "void*"],
                GdiClientPID: [0x7f0, "ULONG"],
                GdiClientTID: [0x7f4, "ULONG"],
                GdiThreadLocalInfo: [0x7f8, "void*"],
                LastStatusValue: [0x1250, "ULONG"],
                StaticUnicodeString: [0x1258, "_UNICODE_STRING"],
                StaticUnicodeBuffer: [0x1268, "WCHAR[261]"],
                DeallocationStack: [0x1478, "void*"],
                TlsSlots: [0x1480, "void*[64]"],
                TlsLinks: [0x1680, "_LIST_ENTRY"],
                Vdm: [0x1690, "void*"],
                ReservedForNtRpc: [0x1698, "void*"],
                DbgSsReserved: [0x16a0, "void*[2]"],
                HardErrorMode: [0x16b0, "ULONG"],
                SubProcessTag: [0x1720, "void*"],
                PerflibData: [0x1728, "void*"],
                EtwTraceData: [0x1730, "void*"],
                WinSockData: [0x1738, "void*"],
                GdiBatchCount: [0x1740, "ULONG"],
                IdealProcessorValue: [0x1744, "ULONG"],
                IdealProcessor: [0x1747, "UCHAR"],
                GuaranteedStackBytes: [0x1748, "ULONG"],
                ReservedForPerf: [0x1750, "void*"],
                ReservedForOle: [0x1758, "void*"],
                WaitingOnLoaderLock: [0x1760, "ULONG"],
                SavedPriorityState: [0x1768, "void*"],
                ReservedForCodeCoverage: [0x1770, "ULONGLONG"],
                ThreadPoolData: [0x1778, "void*"],
                TlsExpansionSlots: [0x1780, "void**"],
                MuiGeneration: [0x1798, "ULONG"],
                IsImpersonating: [0x179c, "ULONG"],
                NlsCache: [0x17a0, "void*"],
                pShimData: [0x17a8, "void*"],
                HeapVirtualAffinity: [0x17b0, "USHORT"],
                LowFragHeapDataSlot: [0x17b2, "USHORT"],
                CurrentTransactionHandle: [0x17b8, "void*"],
                ActiveFrame: [0x17c0, "void*"],
                FlsData: [0x17c8, "void*"],
                PreferredLanguages: [0x17d0, "void*"],
                UserPrefLanguages: [0x17d8, "void*"],
                MergedPrefLanguages: [0x17e0, "void*"],
                MuiImpersonation: [0x17e8, "ULONG"],
                CrossTebFlags: [0x17ec, "USHORT"],
                SameTebFlags: [0x17ee, "USHORT"],
                SafeThunkCall: [0x17ee, "USHORT", 0, 1],
                InDebugPrint: [0x17ee, "USHORT", 1, 1],
                HasFiberData: [0x17ee, "USHORT", 2, 1],
                SkipThreadAttach: [0x17ee, "USHORT", 3, 1],
                WerInShipAssertCode: [0x17ee, "USHORT", 4, 1],
                RanProcessInit: [0x17ee, "USHORT", 5, 1],
                ClonedThread: [0x17ee, "USHORT", 6, 1],
                SuppressDebugMsg: [0x17ee, "USHORT", 7, 1],
                DisableUserStackWalk: [0x17ee, "USHORT", 8, 1],
                RtlExceptionAttached: [0x17ee, "USHORT", 9, 1],
                InitialThread: [0x17ee, "USHORT", 10, 1],
                SessionAware: [0x17ee, "USHORT", 11, 1],
                LoadOwner: [0x17ee, "USHORT", 12, 1],
                LoaderWorker: [0x17ee, "USHORT", 13, 1],
                TxnScopeEnterCallback: [0x17f0, "void*"],
                TxnScopeExitCallback: [0x17f8, "void*"],
                TxnScopeContext: [0x1800, "void*"],
                LockCount: [0x1808, "ULONG"],
                WowTebOffset: [0x180c, "LONG"],
                ResourceRetValue: [0x1810, "void*"],
                ReservedForWdf: [0x1818, "void*"],
                ReservedForCrt: [0x1820, "ULONGLONG"],
            },
        },
        // from Standalone/_PEB.h
        _PEB: {
            size: 0x7a0,
            fields: {
                InheritedAddressSpace: [0x0, "UCHAR"],
                ReadImageFileExecOptions: [0x1, "UCHAR"],
                BeingDebugged: [0x2, "UCHAR"],
                BitField: [0x3, "UCHAR"],
                ImageUsesLargePages: [0x3, "UCHAR", 0, 1],
                IsProtectedProcess: [0x3, "UCHAR", 1, 1],
                IsImageDynamicallyRelocated: [0x3, "UCHAR", 2, 1],
                SkipPatchingUser32Forwarders: [0x3, "UCHAR", 3, 1],
                IsPackagedProcess: [0x3, "UCHAR", 4, 1],
                IsAppContainer: [0x3, "UCHAR", 5, 1],
                IsProtectedProcessLight: [0x3, "UCHAR", 6, 1],
                IsLongPathAwareProcess: [0x3, "UCHAR", 7, 1],
                Mutant: [0x8, "void*"],
                ImageBaseAddress: [0x10, "void*"],
                Ldr: [0x18, "_PEB_LDR_DATA*"],
                ProcessParameters: [0x20, "_RTL_USER_PROCESS_PARAMETERS*"],
                SubSystemData: [0x28, "void*"],
                ProcessHeap: [0x30, "void*"],
                FastPebLock: [0x38, "_RTL_CRITICAL_SECTION*"],
                AtlThunkSListPtr: [0x40, "void*"],
                IFEOKey: [0x48, "void*"],
                CrossProcessFlags: [0x50, "ULONG"],
                ProcessInJob: [0x50, "ULONG", 0, 1],
                ProcessInitializing: [0x50, "ULONG", 1, 1],
                ProcessUsingVEH: [0x50, "ULONG", 2, 1],
                ProcessUsingVCH: [0x50, "ULONG", 3, 1],
                ProcessUsingFTH: [0x50, "ULONG", 4, 1],
                KernelCallbackTable: [0x58, "void*"],
                UserSharedInfoPtr: [0x58, "void*"],
                SystemReserved: [0x60, "ULONG[1]"],
                AtlThunkSListPtr32: [0x64, "ULONG"],
                ApiSetMap: [0x68, "void*"],
                TlsExpansionCounter: [0x70, "ULONG"],
                TlsBitmap: [0x78, "void*"],
                TlsBitmapBits: [0x80, "ULONG[2]"],
                ReadOnlySharedMemoryBase: [0x88, "void*"],
                ReadOnlyStaticServerData: [0x98, "void**"],
                AnsiCodePageData: [0xa0, "void*"],
                OemCodePageData: [0xa8, "void*"],
                UnicodeCaseTableData: [0xb0, "void*"],
                NumberOfProcessors: [0xb8, "ULONG"],
                NtGlobalFlag: [0xbc, "ULONG"],
                CriticalSectionTimeout: [0xc0, "_LARGE_INTEGER"],
                HeapSegmentReserve: [0xc8, "ULONGLONG"],
                HeapSegmentCommit: [0xd0, "ULONGLONG"],
                HeapDeCommitTotalFreeThreshold: [0xd8, "ULONGLONG"],
                HeapDeCommitFreeBlockThreshold: [0xe0, "ULONGLONG"],
                NumberOfHeaps: [0xe8, "ULONG"],
                MaximumNumberOfHeaps: [0xec, "ULONG"],
                ProcessHeaps: [0xf0, "void**"],
                GdiSharedHandleTable: [0xf8, "void*"],
                ProcessStarterHelper: [0x100, "void*"],
                GdiDCAttributeList: [0x108, "ULONG"],
                LoaderLock: [0x110, "_RTL_CRITICAL_SECTION*"],
                OSMajorVersion: [0x118, "ULONG"],
                OSMinorVersion: [0x11c, "ULONG"],
                OSBuildNumber: [0x120, "USHORT"],
                OSCSDVersion: [0x122, "USHORT"],
                OSPlatformId: [0x124, "ULONG"],
                ImageSubsystem: [0x128, "ULONG"],
                ImageSubsystemMajorVersion: [0x12c, "ULONG"],
                ImageSubsystemMinorVersion: [0x130, "ULONG"],
                ActiveProcessAffinityMask: [0x138, "ULONGLONG"],
                GdiHandleBuffer: [0x140, "ULONG[60]"],
                PostProcessInitRoutine: [0x230, "void*"],
                TlsExpansionBitmap: [0x238, "void*"],
                TlsExpansionBitmapBits: [0x240, "ULONG[32]"],
                SessionId: [0x2c0, "ULONG"],
                AppCompatFlags: [0x2c8, "_ULARGE_INTEGER"],
                AppCompatFlagsUser: [0x2d0, "_ULARGE_INTEGER"],
                pShimData: [0x2d8, "void*"],
                AppCompatInfo: [0x2e0, "void*"],
                CSDVersion: [0x2e8, "_UNICODE_STRING"],
                ActivationContextData: [0x2f8, "void*"],
                ProcessAssemblyStorageMap: [0x300, "void*"],
                SystemDefaultActivationContextData: [0x308, "void*"],
                SystemAssemblyStorageMap: [0x310, "void*"],
                MinimumStackCommit: [0x318, "ULONGLONG"],
                FlsCallback: [0x320, "void*"],
                FlsListHead: [0x328, "_LIST_ENTRY"],
                FlsBitmap: [0x338, "void*"],
                FlsBitmapBits: [0x340, "ULONG[4]"],
                FlsHighIndex: [0x350, "ULONG"],
                WerRegistrationData: [0x358, "void*"],
                WerShipAssertPtr: [0x360, "void*"],
                pImageHeaderHash: [0x370, "void*"],
                TracingFlags: [0x378, "ULONG"],
                HeapTracingEnabled: [0x378, "ULONG", 0, 1],
                CritSecTracingEnabled: [0x378, "ULONG", 1, 1],
                LibLoaderTracingEnabled: [0x378, "ULONG", 2, 1],
                CsrServerReadOnlySharedMemoryBase: [0x380, "ULONGLONG"],
                TppWorkerpListLock: [0x388, "ULONGLONG"],
                TppWorkerpList: [0x390, "_LIST_ENTRY"],
                WaitOnAddressHashTable: [0x3a0, "void*[128]"],
            },
        },
        // from ALL_SORTED.h
        _PEB_LDR_DATA: {
            size: 0x58,
            fields: {
                Length: [0x0, "ULONG"],
                Initialized: [0x4, "UCHAR"],
                SsHandle: [0x8, "void*"],
                InLoadOrderModuleList: [0x10, "_LIST_ENTRY"],
                InMemoryOrderModuleList: [0x20, "_LIST_ENTRY"],
                InInitializationOrderModuleList: [0x30, "_LIST_ENTRY"],
                EntryInProgress: [0x40, "void*"],
                ShutdownInProgress: [0x48, "UCHAR"],
                ShutdownThreadId: [0x50, "void*"],
            },
        },
        // from Standalone/_LDR_DATA_TABLE_ENTRY.h
        _LDR_DATA_TABLE_ENTRY: {
            size: 0x120,
            fields: {
                InLoadOrderLinks: [0x0, "_LIST_ENTRY"],
                InMemoryOrderLinks: [0x10, "_LIST_ENTRY"],
                InInitializationOrderLinks: [0x20, "_LIST_ENTRY"],
                DllBase: [0x30, "void*"],
                EntryPoint: [0x38, "void*"],
                SizeOfImage: [0x40, "ULONG"],
                FullDllName: [0x48, "_UNICODE_STRING"],
                BaseDllName: [0x58, "_UNICODE_STRING"],
                FlagGroup: [0x68, "UCHAR[4]"],
                Flags: [0x68, "ULONG"],
                PackagedBinary: [0x68, "ULONG", 0, 1],
                MarkedForRemoval: [0x68, "ULONG", 1, 1],
                ImageDll: [0x68, "ULONG", 2, 1],
                LoadNotificationsSent: [0x68, "ULONG", 3, 1],
                ProcessStaticImport: [0x68, "ULONG", 5, 1],
                InLegacyLists: [0x68, "ULONG", 6, 1],
                LoadInProgress: [0x68, "ULONG", 12, 1],
                EntryProcessed: [0x68, "ULONG", 14, 1],
                DontCallForThreads: [0x68, "ULONG", 18, 1],
                ProcessAttachCalled: [0x68, "ULONG", 19, 1],
                ProcessAttachFailed: [0x68, "ULONG", 20, 1],
                CorImage: [0x68, "ULONG", 22, 1],
                DontRelocate: [0x68, "ULONG", 23, 1],
                Redirected: [0x68, "ULONG", 28, 1],
                ObsoleteLoadCount: [0x6c, "USHORT"],
                TlsIndex: [0x6e, "USHORT"],
                HashLinks: [0x70, "_LIST_ENTRY"],
                TimeDateStamp: [0x80, "ULONG"],
                EntryPointActivationContext: [0x88, "void*"],
                Lock: [0x90, "void*"],
                DdagNode: [0x98, "void*"],
                NodeModuleLink: [0xa0, "_LIST_ENTRY"],
                LoadContext: [0xb0, "void*"],
                ParentDllBase: [0xb8, "void*"],
                SwitchBackContext: [0xc0, "void*"],
                OriginalBase: [0xf8, "ULONGLONG"],
                LoadTime: [0x100, "_LARGE_INTEGER"],
                BaseNameHashValue: [0x108, "ULONG"],
                LoadReason: [0x10c, "ULONG"], // enum _LDR_DLL_LOAD_REASON
                ImplicitPathOptions: [0x110, "ULONG"],
                ReferenceCount: [0x114, "ULONG"],
                DependentLoadFlags: [0x118, "ULONG"],
            },
        },
        // from ALL_SORTED.h
        _CURDIR: {
            size: 0x18,
            fields: {
                DosPath: [0x0, "_UNICODE_STRING"],
                Handle: [0x10, "void*"],
            },
        },
        // from ALL_SORTED.h
        _RTL_USER_PROCESS_PARAMETERS: {
            size: 0x410,
            fields: {
                MaximumLength: [0x0, "ULONG"],
                Length: [0x4, "ULONG"],
                Flags: [0x8, "ULONG"],
                DebugFlags: [0xc, "ULONG"],
                ConsoleHandle: [0x10, "void*"],
                ConsoleFlags: [0x18, "ULONG"],
                StandardInput: [0x20, "void*"],
                StandardOutput: [0x28, "void*"],
                StandardError: [0x30, "void*"],
                CurrentDirectory: [0x38, "_CURDIR"],
                DllPath: [0x50, "_UNICODE_STRING"],
                ImagePathName: [0x60, "_UNICODE_STRING"],
                CommandLine: [0x70, "_UNICODE_STRING"],
                Environment: [0x80, "void*"],
                StartingX: [0x88, "ULONG"],
                StartingY: [0x8c, "ULONG"],
                CountX: [0x90, "ULONG"],
                CountY: [0x94, "ULONG"],
                CountCharsX: [0x98, "ULONG"],
                CountCharsY: [0x9c, "ULONG"],
                FillAttribute: [0xa0, "ULONG"],
                WindowFlags: [0xa4, "ULONG"],
                ShowWindowFlags: [0xa8, "ULONG"],
                WindowTitle: [0xb0, "_UNICODE_STRING"],
                DesktopInfo: [0xc0, "_UNICODE_STRING"],
                ShellInfo: [0xd0, "_UNICODE_STRING"],
                RuntimeData: [0xe0, "_UNICODE_STRING"],
                EnvironmentSize: [0x3f0, "ULONGLONG"],
                EnvironmentVersion: [0x3f8, "ULONGLONG"],
                PackageDependencyData: [0x400, "void*"],
                ProcessGroupId: [0x408, "ULONG"],
                LoaderThreads: [0x40c, "ULONG"],
            },
        },
        // from ALL_SORTED.h
        _RTL_CRITICAL_SECTION: {
            size: 0x28,
            fields: {
                DebugInfo: [0x0, "_RTL_CRITICAL_SECTION_DEBUG*"],
                LockCount: [0x8, "LONG"],
                RecursionCount: [0xc, "LONG"],
                OwningThread: [0x10, "void*"],
                LockSemaphore: [0x18, "void*"],
                SpinCount: [0x20, "ULONGLONG"],
            },
        },
        // from ALL_SORTED.h
        _RTL_CRITICAL_SECTION_DEBUG: {
            size: 0x30,
            fields: {
                Type: [0x0, "USHORT"],
                CreatorBackTraceIndex: [0x2, "USHORT"],
                CriticalSection: [0x8, "_RTL_CRITICAL_SECTION*"],
                ProcessLocksList: [0x10, "_LIST_ENTRY"],
                EntryCount: [0x20, "ULONG"],
                ContentionCount: [0x24, "ULONG"],
                Flags: [0x28, "ULONG"],
                CreatorBackTraceIndexHigh: [0x2c, "USHORT"],
                SpareUSHORT: [0x2e, "USHORT"],
            },
        },
        // from ALL_SORTED.h
        _EXCEPTION_RECORD: {
            size: 0x98,
            fields: {
                ExceptionCode: [0x0, "LONG"],
                ExceptionFlags: [0x4, "ULONG"],
                ExceptionRecord: [0x8, "_EXCEPTION_RECORD*"],
                ExceptionAddress: [0x10, "void*"],
                NumberParameters: [0x18, "ULONG"],
                ExceptionInformation: [0x20, "ULONGLONG[15]"],
            },
        },
        // from ALL_SORTED.h
        _EXCEPTION_POINTERS: {
            size: 0x10,
            fields: {
                ExceptionRecord: [0x0, "_EXCEPTION_RECORD*"],
                ContextRecord: [0x8, "_CONTEXT*"],
            },
        },
        // from ALL_SORTED.h (all fields)
        _M128A: {
            size: 0x10,
            fields: {
                Low: [0x0, "ULONGLONG"],
                High: [0x8, "LONGLONG"],
            },
        },
        // from ALL_SORTED.h (all fields; XMM_SAVE_AREA32 in winnt.h)
        _XSAVE_FORMAT: {
            size: 0x200,
            fields: {
                ControlWord: [0x0, "USHORT"],
                StatusWord: [0x2, "USHORT"],
                TagWord: [0x4, "UCHAR"],
                Reserved1: [0x5, "UCHAR"],
                ErrorOpcode: [0x6, "USHORT"],
                ErrorOffset: [0x8, "ULONG"],
                ErrorSelector: [0xc, "USHORT"],
                Reserved2: [0xe, "USHORT"],
                DataOffset: [0x10, "ULONG"],
                DataSelector: [0x14, "USHORT"],
                Reserved3: [0x16, "USHORT"],
                MxCsr: [0x18, "ULONG"],
                MxCsr_Mask: [0x1c, "ULONG"],
                FloatRegisters: [0x20, "_M128A[8]"],
                XmmRegisters: [0xa0, "_M128A[16]"],
                Reserved4: [0x1a0, "UCHAR[96]"],
            },
        },
        // from ALL_SORTED.h (all fields; the FltSave union's members share offset 0x100); winnt.h CONTEXT for AMD64
        _CONTEXT: {
            size: 0x4d0,
            fields: {
                P1Home: [0x0, "ULONGLONG"],
                P2Home: [0x8, "ULONGLONG"],
                P3Home: [0x10, "ULONGLONG"],
                P4Home: [0x18, "ULONGLONG"],
                P5Home: [0x20, "ULONGLONG"],
                P6Home: [0x28, "ULONGLONG"],
                ContextFlags: [0x30, "ULONG"],
                MxCsr: [0x34, "ULONG"],
                SegCs: [0x38, "USHORT"],
                SegDs: [0x3a, "USHORT"],
                SegEs: [0x3c, "USHORT"],
                SegFs: [0x3e, "USHORT"],
                SegGs: [0x40, "USHORT"],
                SegSs: [0x42, "USHORT"],
                EFlags: [0x44, "ULONG"],
                Dr0: [0x48, "ULONGLONG"],
                Dr1: [0x50, "ULONGLONG"],
                Dr2: [0x58, "ULONGLONG"],
                Dr3: [0x60, "ULONGLONG"],
                Dr6: [0x68, "ULONGLONG"],
                Dr7: [0x70, "ULONGLONG"],
                Rax: [0x78, "ULONGLONG"],
                Rcx: [0x80, "ULONGLONG"],
                Rdx: [0x88, "ULONGLONG"],
                Rbx: [0x90, "ULONGLONG"],
                Rsp: [0x98, "ULONGLONG"],
                Rbp: [0xa0, "ULONGLONG"],
                Rsi: [0xa8, "ULONGLONG"],
                Rdi: [0xb0, "ULONGLONG"],
                R8: [0xb8, "ULONGLONG"],
                R9: [0xc0, "ULONGLONG"],
                R10: [0xc8, "ULONGLONG"],
                R11: [0xd0, "ULONGLONG"],
                R12: [0xd8, "ULONGLONG"],
                R13: [0xe0, "ULONGLONG"],
                R14: [0xe8, "ULONGLONG"],
                R15: [0xf0, "ULONGLONG"],
                Rip: [0xf8, "ULONGLONG"],
                FltSave: [0x100, "_XSAVE_FORMAT"],
                Header: [0x100, "_M128A[2]"],
                Legacy: [0x120, "_M128A[8]"],
                Xmm0: [0x1a0, "_M128A"],
                Xmm1: [0x1b0, "_M128A"],
                Xmm2: [0x1c0, "_M128A"],
                Xmm3: [0x1d0, "_M128A"],
                Xmm4: [0x1e0, "_M128A"],
                Xmm5: [0x1f0, "_M128A"],
                Xmm6: [0x200, "_M128A"],
                Xmm7: [0x210, "_M128A"],
                Xmm8: [0x220, "_M128A"],
                Xmm9: [0x230, "_M128A"],
                Xmm10: [0x240, "_M128A"],
                Xmm11: [0x250, "_M128A"],
                Xmm12: [0x260, "_M128A"],
                Xmm13: [0x270, "_M128A"],
                Xmm14: [0x280, "_M128A"],
                Xmm15: [0x290, "_M128A"],
                VectorRegister: [0x300, "_M128A[26]"],
                VectorControl: [0x4a0, "ULONGLONG"],
                DebugControl: [0x4a8, "ULONGLONG"],
                LastBranchToRip: [0x4b0, "ULONGLONG"],
                LastBranchFromRip: [0x4b8, "ULONGLONG"],
                LastExceptionToRip: [0x4c0, "ULONGLONG"],
                LastExceptionFromRip: [0x4c8, "ULONGLONG"],
            },
        },
    },
};
const WINDOWS_USER_X86 = {
    id: "win10-1607-ntdll-x86",
    pointerSize: 4,
    source: "github.com/ntdiff/headers Win10_1607_RS1/x86/System32/ntdll.dll (Standalone/_TEB.h, Standalone/_PEB.h, Standalone/_LDR_DATA_TABLE_ENTRY.h, ALL_SORTED.h), " +
        "Windows 10 1607 build 10.0.14393, public 32-bit ntdll symbols (also the WOW64 32-bit TEB/PEB view)",
    types: {
        // from Standalone/_TEB.h
        _LIST_ENTRY: {
            size: 0x8,
            fields: {
                Flink: [0x0, "_LIST_ENTRY*"],
                Blink: [0x4, "_LIST_ENTRY*"],
            },
        },
        // from Standalone/_TEB.h
        _UNICODE_STRING: {
            size: 0x8,
            fields: {
                Length: [0x0, "USHORT"],
                MaximumLength: [0x2, "USHORT"],
                Buffer: [0x4, "WCHAR*"],
            },
        },
        // from Standalone/_TEB.h
        _CLIENT_ID: {
            size: 0x8,
            fields: {
                UniqueProcess: [0x0, "void*"],
                UniqueThread: [0x4, "void*"],
            },
        },
        // from Standalone/_PEB.h
        _LARGE_INTEGER: {
            size: 0x8,
            fields: {
                LowPart: [0x0, "ULONG"],
                HighPart: [0x4, "LONG"],
                QuadPart: [0x0, "LONGLONG"],
            },
        },
        // from Standalone/_PEB.h
        _ULARGE_INTEGER: {
            size: 0x8,
            fields: {
                LowPart: [0x0, "ULONG"],
                HighPart: [0x4, "ULONG"],
                QuadPart: [0x0, "ULONGLONG"],
            },
        },
        // from ALL_SORTED.h
        _EXCEPTION_REGISTRATION_RECORD: {
            size: 0x8,
            fields: {
                Next: [0x0, "_EXCEPTION_REGISTRATION_RECORD*"],
                Handler: [0x4, "void*"],
            },
        },
        // from Standalone/_TEB.h (all fields)
        _NT_TIB: {
            size: 0x1c,
            fields: {
                ExceptionList: [0x0, "_EXCEPTION_REGISTRATION_RECORD*"],
                StackBase: [0x4, "void*"],
                StackLimit: [0x8, "void*"],
                SubSystemTib: [0xc, "void*"],
                FiberData: [0x10, "void*"],
                Version: [0x10, "ULONG"],
                ArbitraryUserPointer: [0x14, "void*"],
                Self: [0x18, "_NT_TIB*"],
            },
        },
        // from Standalone/_TEB.h
        _TEB: {
            size: 0x1000,
            fields: {
                NtTib: [0x0, "_NT_TIB"],
                EnvironmentPointer: [0x1c, "void*"],
                ClientId: [0x20, "_CLIENT_ID"],
                ActiveRpcHandle: [0x28, "void*"],
                ThreadLocalStoragePointer: [0x2c, "void*"],
                ProcessEnvironmentBlock: [0x30, "_PEB*"],
                LastErrorValue: [0x34, "ULONG"],
                CountOfOwnedCriticalSections: [0x38, "ULONG"],
                CsrClientThread: [0x3c, "void*"],
                Win32ThreadInfo: [0x40, "void*"],
                User32Reserved: [0x44, "ULONG[26]"],
                UserReserved: [0xac, "ULONG[5]"],
                WOW32Reserved: [0xc0, "void*"],
                CurrentLocale: [0xc4, "ULONG"],
                FpSoftwareStatusRegister: [0xc8, "ULONG"],
                ReservedForDebuggerInstrumentation: [0xcc, "void*[16]"],
                SystemReserved1: [0x10c, "void*[36]"],
                WorkingOnBehalfTicket: [0x19c, "UCHAR[8]"],
                ExceptionCode: [0x1a4, "LONG"],
                ActivationContextStackPointer: [0x1a8, "void*"],
                InstrumentationCallbackSp: [0x1ac, "ULONG"],
                InstrumentationCallbackPreviousPc: [0x1b0, "ULONG"],
                InstrumentationCallbackPreviousSp: [0x1b4, "ULONG"],
                InstrumentationCallbackDisabled: [0x1b8, "UCHAR"],
                TxFsContext: [0x1d0, "ULONG"],
                RealClientId: [0x6b4, "_CLIENT_ID"],
                GdiCachedProcessHandle: [0x6bc, "void*"],
                GdiClientPID: [0x6c0, "ULONG"],
                GdiClientTID: [0x6c4, "ULONG"],
                GdiThreadLocalInfo: [0x6c8, "void*"],
                LastStatusValue: [0xbf4, "ULONG"],
                StaticUnicodeString: [0xbf8, "_UNICODE_STRING"],
                StaticUnicodeBuffer: [0xc00, "WCHAR[261]"],
                DeallocationStack: [0xe0c, "void*"],
                TlsSlots: [0xe10, "void*[64]"],
                TlsLinks: [0xf10, "_LIST_ENTRY"],
                Vdm: [0xf18, "void*"],
                ReservedForNtRpc: [0xf1c, "void*"],
                DbgSsReserved: [0xf20, "void*[2]"],
                HardErrorMode: [0xf28, "ULONG"],
                SubProcessTag: [0xf60, "void*"],
                PerflibData: [0xf64, "void*"],
                EtwTraceData: [0xf68, "void*"],
                WinSockData: [0xf6c, "void*"],
                GdiBatchCount: [0xf70, "ULONG"],
                IdealProcessorValue: [0xf74, "ULONG"],
                IdealProcessor: [0xf77, "UCHAR"],
                GuaranteedStackBytes: [0xf78, "ULONG"],
                ReservedForPerf: [0xf7c, "void*"],
                ReservedForOle: [0xf80, "void*"],
                WaitingOnLoaderLock: [0xf84, "ULONG"],
                SavedPriorityState: [0xf88, "void*"],
                ReservedForCodeCoverage: [0xf8c, "ULONG"],
                ThreadPoolData: [0xf90, "void*"],
                TlsExpansionSlots: [0xf94, "void**"],
                MuiGeneration: [0xf98, "ULONG"],
                IsImpersonating: [0xf9c, "ULONG"],
                NlsCache: [0xfa0, "void*"],
                pShimData: [0xfa4, "void*"],
                HeapVirtualAffinity: [0xfa8, "USHORT"],
                LowFragHeapDataSlot: [0xfaa, "USHORT"],
                CurrentTransactionHandle: [0xfac, "void*"],
                ActiveFrame: [0xfb0, "void*"],
                FlsData: [0xfb4, "void*"],
                PreferredLanguages: [0xfb8, "void*"],
                UserPrefLanguages: [0xfbc, "void*"],
                MergedPrefLanguages: [0xfc0, "void*"],
                MuiImpersonation: [0xfc4, "ULONG"],
                CrossTebFlags: [0xfc8, "USHORT"],
                SameTebFlags: [0xfca, "USHORT"],
                SafeThunkCall: [0xfca, "USHORT", 0, 1],
                InDebugPrint: [0xfca, "USHORT", 1, 1],
                HasFiberData: [0xfca, "USHORT", 2, 1],
                SkipThreadAttach: [0xfca, "USHORT", 3, 1],
                WerInShipAssertCode: [0xfca, "USHORT", 4, 1],
                RanProcessInit: [0xfca, "USHORT", 5, 1],
                ClonedThread: [0xfca, "USHORT", 6, 1],
                SuppressDebugMsg: [0xfca, "USHORT", 7, 1],
                DisableUserStackWalk: [0xfca, "USHORT", 8, 1],
                RtlExceptionAttached: [0xfca, "USHORT", 9, 1],
                InitialThread: [0xfca, "USHORT", 10, 1],
                SessionAware: [0xfca, "USHORT", 11, 1],
                LoadOwner: [0xfca, "USHORT", 12, 1],
                LoaderWorker: [0xfca, "USHORT", 13, 1],
                TxnScopeEnterCallback: [0xfcc, "void*"],
                TxnScopeExitCallback: [0xfd0, "void*"],
                TxnScopeContext: [0xfd4, "void*"],
                LockCount: [0xfd8, "ULONG"],
                WowTebOffset: [0xfdc, "LONG"],
                ResourceRetValue: [0xfe0, "void*"],
                ReservedForWdf: [0xfe4, "void*"],
                ReservedForCrt: [0xfe8, "ULONGLONG"],
            },
        },
        // from Standalone/_PEB.h
        _PEB: {
            size: 0x460,
            fields: {
                InheritedAddressSpace: [0x0, "UCHAR"],
                ReadImageFileExecOptions: [0x1, "UCHAR"],
                BeingDebugged: [0x2, "UCHAR"],
                BitField: [0x3, "UCHAR"],
                ImageUsesLargePages: [0x3, "UCHAR", 0, 1],
                IsProtectedProcess: [0x3, "UCHAR", 1, 1],
                IsImageDynamicallyRelocated: [0x3, "UCHAR", 2, 1],
                SkipPatchingUser32Forwarders: [0x3, "UCHAR", 3, 1],
                IsPackagedProcess: [0x3, "UCHAR", 4, 1],
                IsAppContainer: [0x3, "UCHAR", 5, 1],
                IsProtectedProcessLight: [0x3, "UCHAR", 6, 1],
                IsLongPathAwareProcess: [0x3, "UCHAR", 7, 1],
                Mutant: [0x4, "void*"],
                ImageBaseAddress: [0x8, "void*"],
                Ldr: [0xc, "_PEB_LDR_DATA*"],
                ProcessParameters: [0x10, "_RTL_USER_PROCESS_PARAMETERS*"],
                SubSystemData: [0x14, "void*"],
                ProcessHeap: [0x18, "void*"],
                FastPebLock: [0x1c, "_RTL_CRITICAL_SECTION*"],
                AtlThunkSListPtr: [0x20, "void*"],
                IFEOKey: [0x24, "void*"],
                CrossProcessFlags: [0x28, "ULONG"],
                ProcessInJob: [0x28, "ULONG", 0, 1],
                ProcessInitializing: [0x28, "ULONG", 1, 1],
                ProcessUsingVEH: [0x28, "ULONG", 2, 1],
                ProcessUsingVCH: [0x28, "ULONG", 3, 1],
                ProcessUsingFTH: [0x28, "ULONG", 4, 1],
                KernelCallbackTable: [0x2c, "void*"],
                UserSharedInfoPtr: [0x2c, "void*"],
                SystemReserved: [0x30, "ULONG[1]"],
                AtlThunkSListPtr32: [0x34, "void*"],
                ApiSetMap: [0x38, "void*"],
                TlsExpansionCounter: [0x3c, "ULONG"],
                TlsBitmap: [0x40, "void*"],
                TlsBitmapBits: [0x44, "ULONG[2]"],
                ReadOnlySharedMemoryBase: [0x4c, "void*"],
                ReadOnlyStaticServerData: [0x54, "void**"],
                AnsiCodePageData: [0x58, "void*"],
                OemCodePageData: [0x5c, "void*"],
                UnicodeCaseTableData: [0x60, "void*"],
                NumberOfProcessors: [0x64, "ULONG"],
                NtGlobalFlag: [0x68, "ULONG"],
                CriticalSectionTimeout: [0x70, "_LARGE_INTEGER"],
                HeapSegmentReserve: [0x78, "ULONG"],
                HeapSegmentCommit: [0x7c, "ULONG"],
                HeapDeCommitTotalFreeThreshold: [0x80, "ULONG"],
                HeapDeCommitFreeBlockThreshold: [0x84, "ULONG"],
                NumberOfHeaps: [0x88, "ULONG"],
                MaximumNumberOfHeaps: [0x8c, "ULONG"],
                ProcessHeaps: [0x90, "void**"],
                GdiSharedHandleTable: [0x94, "void*"],
                ProcessStarterHelper: [0x98, "void*"],
                GdiDCAttributeList: [0x9c, "ULONG"],
                LoaderLock: [0xa0, "_RTL_CRITICAL_SECTION*"],
                OSMajorVersion: [0xa4, "ULONG"],
                OSMinorVersion: [0xa8, "ULONG"],
                OSBuildNumber: [0xac, "USHORT"],
                OSCSDVersion: [0xae, "USHORT"],
                OSPlatformId: [0xb0, "ULONG"],
                ImageSubsystem: [0xb4, "ULONG"],
                ImageSubsystemMajorVersion: [0xb8, "ULONG"],
                ImageSubsystemMinorVersion: [0xbc, "ULONG"],
                ActiveProcessAffinityMask: [0xc0, "ULONG"],
                GdiHandleBuffer: [0xc4, "ULONG[34]"],
                PostProcessInitRoutine: [0x14c, "void*"],
                TlsExpansionBitmap: [0x150, "void*"],
                TlsExpansionBitmapBits: [0x154, "ULONG[32]"],
                SessionId: [0x1d4, "ULONG"],
                AppCompatFlags: [0x1d8, "_ULARGE_INTEGER"],
                AppCompatFlagsUser: [0x1e0, "_ULARGE_INTEGER"],
                pShimData: [0x1e8, "void*"],
                AppCompatInfo: [0x1ec, "void*"],
                CSDVersion: [0x1f0, "_UNICODE_STRING"],
                ActivationContextData: [0x1f8, "void*"],
                ProcessAssemblyStorageMap: [0x1fc, "void*"],
                SystemDefaultActivationContextData: [0x200, "void*"],
                SystemAssemblyStorageMap: [0x204, "void*"],
                MinimumStackCommit: [0x208, "ULONG"],
                FlsCallback: [0x20c, "void*"],
                FlsListHead: [0x210, "_LIST_ENTRY"],
                FlsBitmap: [0x218, "void*"],
                FlsBitmapBits: [0x21c, "ULONG[4]"],
                FlsHighIndex: [0x22c, "ULONG"],
                WerRegistrationData: [0x230, "void*"],
                WerShipAssertPtr: [0x234, "void*"],
                pImageHeaderHash: [0x23c, "void*"],
                TracingFlags: [0x240, "ULONG"],
                HeapTracingEnabled: [0x240, "ULONG", 0, 1],
                CritSecTracingEnabled: [0x240, "ULONG", 1, 1],
                LibLoaderTracingEnabled: [0x240, "ULONG", 2, 1],
                CsrServerReadOnlySharedMemoryBase: [0x248, "ULONGLONG"],
                TppWorkerpListLock: [0x250, "ULONG"],
                TppWorkerpList: [0x254, "_LIST_ENTRY"],
                WaitOnAddressHashTable: [0x25c, "void*[128]"],
            },
        },
        // from ALL_SORTED.h
        _PEB_LDR_DATA: {
            size: 0x30,
            fields: {
                Length: [0x0, "ULONG"],
                Initialized: [0x4, "UCHAR"],
                SsHandle: [0x8, "void*"],
                InLoadOrderModuleList: [0xc, "_LIST_ENTRY"],
                InMemoryOrderModuleList: [0x14, "_LIST_ENTRY"],
                InInitializationOrderModuleList: [0x1c, "_LIST_ENTRY"],
                EntryInProgress: [0x24, "void*"],
                ShutdownInProgress: [0x28, "UCHAR"],
                ShutdownThreadId: [0x2c, "void*"],
            },
        },
        // from Standalone/_LDR_DATA_TABLE_ENTRY.h
        _LDR_DATA_TABLE_ENTRY: {
            size: 0xa8,
            fields: {
                InLoadOrderLinks: [0x0, "_LIST_ENTRY"],
                InMemoryOrderLinks: [0x8, "_LIST_ENTRY"],
                InInitializationOrderLinks: [0x10, "_LIST_ENTRY"],
                DllBase: [0x18, "void*"],
                EntryPoint: [0x1c, "void*"],
                SizeOfImage: [0x20, "ULONG"],
                FullDllName: [0x24, "_UNICODE_STRING"],
                BaseDllName: [0x2c, "_UNICODE_STRING"],
                FlagGroup: [0x34, "UCHAR[4]"],
                Flags: [0x34, "ULONG"],
                PackagedBinary: [0x34, "ULONG", 0, 1],
                MarkedForRemoval: [0x34, "ULONG", 1, 1],
                ImageDll: [0x34, "ULONG", 2, 1],
                LoadNotificationsSent: [0x34, "ULONG", 3, 1],
                ProcessStaticImport: [0x34, "ULONG", 5, 1],
                InLegacyLists: [0x34, "ULONG", 6, 1],
                LoadInProgress: [0x34, "ULONG", 12, 1],
                EntryProcessed: [0x34, "ULONG", 14, 1],
                DontCallForThreads: [0x34, "ULONG", 18, 1],
                ProcessAttachCalled: [0x34, "ULONG", 19, 1],
                ProcessAttachFailed: [0x34, "ULONG", 20, 1],
                CorImage: [0x34, "ULONG", 22, 1],
                DontRelocate: [0x34, "ULONG", 23, 1],
                Redirected: [0x34, "ULONG", 28, 1],
                ObsoleteLoadCount: [0x38, "USHORT"],
                TlsIndex: [0x3a, "USHORT"],
                HashLinks: [0x3c, "_LIST_ENTRY"],
                TimeDateStamp: [0x44, "ULONG"],
                EntryPointActivationContext: [0x48, "void*"],
                Lock: [0x4c, "void*"],
                DdagNode: [0x50, "void*"],
                NodeModuleLink: [0x54, "_LIST_ENTRY"],
                LoadContext: [0x5c, "void*"],
                ParentDllBase: [0x60, "void*"],
                SwitchBackContext: [0x64, "void*"],
                OriginalBase: [0x80, "ULONG"],
                LoadTime: [0x88, "_LARGE_INTEGER"],
                BaseNameHashValue: [0x90, "ULONG"],
                LoadReason: [0x94, "ULONG"], // enum _LDR_DLL_LOAD_REASON
                ImplicitPathOptions: [0x98, "ULONG"],
                ReferenceCount: [0x9c, "ULONG"],
                DependentLoadFlags: [0xa0, "ULONG"],
            },
        },
        // from ALL_SORTED.h
        _CURDIR: {
            size: 0xc,
            fields: {
                DosPath: [0x0, "_UNICODE_STRING"],
                Handle: [0x8, "void*"],
            },
        },
        // from ALL_SORTED.h
        _RTL_USER_PROCESS_PARAMETERS: {
            size: 0x2a4,
            fields: {
                MaximumLength: [0x0, "ULONG"],
                Length: [0x4, "ULONG"],
                Flags: [0x8, "ULONG"],
                DebugFlags: [0xc, "ULONG"],
                ConsoleHandle: [0x10, "void*"],
                ConsoleFlags: [0x14, "ULONG"],
                StandardInput: [0x18, "void*"],
                StandardOutput: [0x1c, "void*"],
                StandardError: [0x20, "void*"],
                CurrentDirectory: [0x24, "_CURDIR"],
                DllPath: [0x30, "_UNICODE_STRING"],
                ImagePathName: [0x38, "_UNICODE_STRING"],
                CommandLine: [0x40, "_UNICODE_STRING"],
                Environment: [0x48, "void*"],
                StartingX: [0x4c, "ULONG"],
                StartingY: [0x50, "ULONG"],
                CountX: [0x54, "ULONG"],
                CountY: [0x58, "ULONG"],
                CountCharsX: [0x5c, "ULONG"],
                CountCharsY: [0x60, "ULONG"],
                FillAttribute: [0x64, "ULONG"],
                WindowFlags: [0x68, "ULONG"],
                ShowWindowFlags: [0x6c, "ULONG"],
                WindowTitle: [0x70, "_UNICODE_STRING"],
                DesktopInfo: [0x78, "_UNICODE_STRING"],
                ShellInfo: [0x80, "_UNICODE_STRING"],
                RuntimeData: [0x88, "_UNICODE_STRING"],
                EnvironmentSize: [0x290, "ULONG"],
                EnvironmentVersion: [0x294, "ULONG"],
                PackageDependencyData: [0x298, "void*"],
                ProcessGroupId: [0x29c, "ULONG"],
                LoaderThreads: [0x2a0, "ULONG"],
            },
        },
        // from ALL_SORTED.h
        _RTL_CRITICAL_SECTION: {
            size: 0x18,
            fields: {
                DebugInfo: [0x0, "_RTL_CRITICAL_SECTION_DEBUG*"],
                LockCount: [0x4, "LONG"],
                RecursionCount: [0x8, "LONG"],
                OwningThread: [0xc, "void*"],
                LockSemaphore: [0x10, "void*"],
                SpinCount: [0x14, "ULONG"],
            },
        },
        // from ALL_SORTED.h
        _RTL_CRITICAL_SECTION_DEBUG: {
            size: 0x20,
            fields: {
                Type: [0x0, "USHORT"],
                CreatorBackTraceIndex: [0x2, "USHORT"],
                CriticalSection: [0x4, "_RTL_CRITICAL_SECTION*"],
                ProcessLocksList: [0x8, "_LIST_ENTRY"],
                EntryCount: [0x10, "ULONG"],
                ContentionCount: [0x14, "ULONG"],
                Flags: [0x18, "ULONG"],
                CreatorBackTraceIndexHigh: [0x1c, "USHORT"],
                SpareUSHORT: [0x1e, "USHORT"],
            },
        },
        // from ALL_SORTED.h
        _EXCEPTION_RECORD: {
            size: 0x50,
            fields: {
                ExceptionCode: [0x0, "LONG"],
                ExceptionFlags: [0x4, "ULONG"],
                ExceptionRecord: [0x8, "_EXCEPTION_RECORD*"],
                ExceptionAddress: [0xc, "void*"],
                NumberParameters: [0x10, "ULONG"],
                ExceptionInformation: [0x14, "ULONG[15]"],
            },
        },
        // from ALL_SORTED.h
        _EXCEPTION_POINTERS: {
            size: 0x8,
            fields: {
                ExceptionRecord: [0x0, "_EXCEPTION_RECORD*"],
                ContextRecord: [0x4, "_CONTEXT*"],
            },
        },
        // from ALL_SORTED.h (all fields; winnt.h FLOATING_SAVE_AREA)
        _FLOATING_SAVE_AREA: {
            size: 0x70,
            fields: {
                ControlWord: [0x0, "ULONG"],
                StatusWord: [0x4, "ULONG"],
                TagWord: [0x8, "ULONG"],
                ErrorOffset: [0xc, "ULONG"],
                ErrorSelector: [0x10, "ULONG"],
                DataOffset: [0x14, "ULONG"],
                DataSelector: [0x18, "ULONG"],
                RegisterArea: [0x1c, "UCHAR[80]"],
                Spare0: [0x6c, "ULONG"],
            },
        },
        // from ALL_SORTED.h (all fields); winnt.h CONTEXT for x86
        _CONTEXT: {
            size: 0x2cc,
            fields: {
                ContextFlags: [0x0, "ULONG"],
                Dr0: [0x4, "ULONG"],
                Dr1: [0x8, "ULONG"],
                Dr2: [0xc, "ULONG"],
                Dr3: [0x10, "ULONG"],
                Dr6: [0x14, "ULONG"],
                Dr7: [0x18, "ULONG"],
                FloatSave: [0x1c, "_FLOATING_SAVE_AREA"],
                SegGs: [0x8c, "ULONG"],
                SegFs: [0x90, "ULONG"],
                SegEs: [0x94, "ULONG"],
                SegDs: [0x98, "ULONG"],
                Edi: [0x9c, "ULONG"],
                Esi: [0xa0, "ULONG"],
                Ebx: [0xa4, "ULONG"],
                Edx: [0xa8, "ULONG"],
                Ecx: [0xac, "ULONG"],
                Eax: [0xb0, "ULONG"],
                Ebp: [0xb4, "ULONG"],
                Eip: [0xb8, "ULONG"],
                SegCs: [0xbc, "ULONG"],
                EFlags: [0xc0, "ULONG"],
                Esp: [0xc4, "ULONG"],
                SegSs: [0xc8, "ULONG"],
                ExtendedRegisters: [0xcc, "UCHAR[512]"],
            },
        },
    },
};

/**
 * Low-level pieces of the synthetic minidump writer: an append-and-patch byte buffer and the encoders of
 * the format's small shared records (MINIDUMP_STRING, CodeView RSDS, VS_FIXEDFILEINFO). Facts from the
 * minidumpapiset.h / verrsrc.h documentation; nothing here is shared with the reader.
 */
/** A growing little-endian buffer: `alloc` appends zeroed, aligned space; the setters patch anywhere below `length`. */
class ByteSink {
    buf = new Uint8Array(4096);
    len = 0;
    get length() {
        return this.len;
    }
    ensure(size) {
        if (size <= this.buf.length)
            return;
        let n = this.buf.length;
        while (n < size)
            n *= 2;
        const next = new Uint8Array(n);
        next.set(this.buf.subarray(0, this.len));
        this.buf = next;
    }
    /** Appends `size` zero bytes after padding to `align`; returns their offset. */
    alloc(size, align = 4) {
        const start = Math.ceil(this.len / align) * align;
        this.ensure(start + size);
        this.buf.fill(0, this.len, start + size);
        this.len = start + size;
        return start;
    }
    /** Appends a copy of `data` (aligned); returns its offset. */
    put(data, align = 4) {
        const at = this.alloc(data.length, align);
        this.buf.set(data, at);
        return at;
    }
    check(offset, width) {
        if (offset < 0 || offset + width > this.len)
            throw new Error(`minidump-synth: write at ${offset}+${width} outside ${this.len}`);
    }
    u8(offset, v) {
        this.check(offset, 1);
        this.buf[offset] = v & 0xff;
    }
    u16(offset, v) {
        this.check(offset, 2);
        this.buf[offset] = v & 0xff;
        this.buf[offset + 1] = (v >>> 8) & 0xff;
    }
    u32(offset, v) {
        this.check(offset, 4);
        if (!Number.isInteger(v) || v < -2147483648 || v > 0xffffffff)
            throw new Error(`minidump-synth: ${v} is not a 32-bit value`);
        const u = v >>> 0;
        for (let i = 0; i < 4; i++)
            this.buf[offset + i] = (u >>> (8 * i)) & 0xff;
    }
    u64(offset, v) {
        this.check(offset, 8);
        let x = BigInt.asUintN(64, BigInt(v));
        for (let i = 0; i < 8; i++) {
            this.buf[offset + i] = Number(x & 0xffn);
            x >>= 8n;
        }
    }
    bytes(offset, data) {
        this.check(offset, data.length);
        this.buf.set(data, offset);
    }
    /** A MINIDUMP_STRING: ULONG32 Length (bytes, without the terminator), UTF-16LE characters, a 2-byte NUL. */
    minidumpString(text) {
        const chars = utf16le(text);
        const at = this.alloc(4 + chars.length + 2, 4);
        this.u32(at, chars.length);
        this.bytes(at + 4, chars);
        return at;
    }
    result() {
        return this.buf.slice(0, this.len);
    }
}
function utf16le(text) {
    const out = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        out[2 * i] = c & 0xff;
        out[2 * i + 1] = c >>> 8;
    }
    return out;
}
function ascii(text) {
    return new TextEncoder().encode(text);
}
/**
 * A GUID from its Breakpad-style print (32 hex digits: Data1, Data2, Data3, then the 8 bytes of Data4;
 * dashes and braces ignored) into its 16 in-file bytes: Data1..Data3 little-endian, Data4 as is.
 */
function guidBytes(guid) {
    const hex = guid.replace(/[-{}]/g, "");
    if (!/^[0-9a-fA-F]{32}$/.test(hex))
        throw new Error(`minidump-synth: GUID "${guid}" is not 32 hex digits`);
    const b = new Uint8Array(16);
    const byteAt = (i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    [3, 2, 1, 0].forEach((src, dst) => { b[dst] = byteAt(src); });
    b[4] = byteAt(5);
    b[5] = byteAt(4);
    b[6] = byteAt(7);
    b[7] = byteAt(6);
    for (let i = 8; i < 16; i++)
        b[i] = byteAt(i);
    return b;
}
/** CodeView RSDS record: "RSDS" (0x53445352), GUID (16), Age (u32), PDB path as NUL-terminated UTF-8. */
function rsdsRecord(pdb) {
    const name = new TextEncoder().encode(pdb.name);
    const out = new Uint8Array(4 + 16 + 4 + name.length + 1);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, 0x53445352, true);
    out.set(guidBytes(pdb.guid), 4);
    dv.setUint32(20, pdb.age >>> 0, true);
    out.set(name, 24);
    return out;
}
const VS_FIXEDFILEINFO_SIZE = 52;
const VS_FFI_SIGNATURE = 0xfeef04bd;
/** "1.2.3.4" → [MS, LS] = [1<<16 | 2, 3<<16 | 4]. */
function versionWords(version) {
    const parts = version.split(".").map((p) => Number(p));
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 0xffff)) {
        throw new Error(`minidump-synth: version "${version}" is not four 16-bit numbers a.b.c.d`);
    }
    const [a, b, c, d] = parts;
    return [((a << 16) | b) >>> 0, ((c << 16) | d) >>> 0];
}
/**
 * VS_FIXEDFILEINFO (13 DWORDs): Signature 0xfeef04bd, StrucVersion 0x10000, FileVersionMS/LS,
 * ProductVersionMS/LS, FileFlagsMask 0x3f, FileFlags, FileOS, FileType, FileSubtype, FileDateMS/LS.
 */
function fixedFileInfo(spec) {
    const out = new Uint8Array(VS_FIXEDFILEINFO_SIZE);
    const dv = new DataView(out.buffer);
    const [fms, fls] = versionWords(spec.fileVersion);
    const [pms, pls] = versionWords(spec.productVersion ?? spec.fileVersion);
    const words = [VS_FFI_SIGNATURE, 0x10000, fms, fls, pms, pls, 0x3f, spec.fileFlags ?? 0, spec.fileOs ?? 0x40004, spec.fileType, 0, 0, 0];
    words.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true));
    return out;
}
/** Pointer-sized little-endian words (4 or 8 bytes each) into `size` bytes. */
function wordsToBytes(words, pointerSize, size) {
    if (words.length * pointerSize > size)
        throw new Error(`minidump-synth: ${words.length} words do not fit a ${size}-byte stack`);
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    words.forEach((w, i) => {
        if (pointerSize === 8)
            dv.setBigUint64(8 * i, BigInt.asUintN(64, w), true);
        else
            dv.setUint32(4 * i, Number(BigInt.asUintN(32, w)), true);
    });
    return out;
}

/**
 * Thread CONTEXT records for the synthetic minidump writer (minidump-synth.ts): the winnt.h layouts of
 * x86 (CONTEXT, 0x2cc bytes), AMD64 (CONTEXT, 0x4d0 bytes) and ARM64 (ARM64_NT_CONTEXT, 0x390 bytes),
 * with registers addressed by WinDbg's names. Written from the public layouts, not from the reader.
 */
const CONTEXT_SIZE$1 = { x86: 0x2cc, x64: 0x4d0, arm64: 0x390 };
/**
 * Default ContextFlags: x86/x64 arch | CONTROL 1 | INTEGER 2 | SEGMENTS 4 | FLOATING_POINT 8;
 * ARM64 arch | CONTROL 1 | INTEGER 2 | FLOATING_POINT 4 (ARM64 has no SEGMENTS; 8 is DEBUG there).
 */
const DEFAULT_CONTEXT_FLAGS = { x86: 0x1000f, x64: 0x10000f, arm64: 0x400007 };
/** Offset of ContextFlags inside the CONTEXT (AMD64 starts with six 8-byte home slots). */
const CONTEXT_FLAGS_OFFSET = { x86: 0, x64: 0x30, arm64: 0 };
/** Values written when a test gives none: user-mode selectors, IF set in EFLAGS, the default MXCSR. */
const DEFAULT_REGISTERS = {
    x64: { cs: 0x33n, ds: 0x2bn, es: 0x2bn, fs: 0x53n, gs: 0x2bn, ss: 0x2bn, efl: 0x202n, mxcsr: 0x1f80n },
    x86: { cs: 0x1bn, ds: 0x23n, es: 0x23n, fs: 0x3bn, gs: 0n, ss: 0x23n, efl: 0x202n },
    arm64: {},
};
function slot(offset, width) {
    return [{ offset, width }];
}
function x86Slots() {
    // ContextFlags 0, Dr0..Dr3 4..0x10, Dr6 0x14, Dr7 0x18, FloatSave (FLOATING_SAVE_AREA, 112 bytes) 0x1c,
    // SegGs 0x8c, SegFs, SegEs, SegDs, Edi 0x9c, Esi, Ebx, Edx, Ecx, Eax 0xb0, Ebp 0xb4, Eip 0xb8,
    // SegCs 0xbc, EFlags 0xc0, Esp 0xc4, SegSs 0xc8, ExtendedRegisters[512] 0xcc.
    const s = {
        dr0: slot(0x04, 4), dr1: slot(0x08, 4), dr2: slot(0x0c, 4), dr3: slot(0x10, 4), dr6: slot(0x14, 4), dr7: slot(0x18, 4),
        fpcw: slot(0x1c, 4), fpsw: slot(0x20, 4), fptw: slot(0x24, 4),
        gs: slot(0x8c, 4), fs: slot(0x90, 4), es: slot(0x94, 4), ds: slot(0x98, 4),
        edi: slot(0x9c, 4), esi: slot(0xa0, 4), ebx: slot(0xa4, 4), edx: slot(0xa8, 4), ecx: slot(0xac, 4), eax: slot(0xb0, 4),
        ebp: slot(0xb4, 4), eip: slot(0xb8, 4), cs: slot(0xbc, 4), efl: slot(0xc0, 4), esp: slot(0xc4, 4), ss: slot(0xc8, 4),
    };
    return s;
}
function x64Slots() {
    // P1Home..P6Home 0..0x28, ContextFlags 0x30, MxCsr 0x34, SegCs 0x38 .. SegSs 0x42 (USHORT), EFlags 0x44,
    // Dr0..Dr3, Dr6, Dr7 0x48..0x70, Rax 0x78, Rcx, Rdx, Rbx, Rsp 0x98, Rbp 0xa0, Rsi, Rdi, R8..R15 0xb8..0xf0,
    // Rip 0xf8, FltSave (XMM_SAVE_AREA32, 512 bytes) 0x100: MxCsr at +0x18, XmmRegisters[16] at +0xa0.
    const s = {
        mxcsr: [{ offset: 0x34, width: 4 }, { offset: 0x100 + 0x18, width: 4 }],
        cs: slot(0x38, 2), ds: slot(0x3a, 2), es: slot(0x3c, 2), fs: slot(0x3e, 2), gs: slot(0x40, 2), ss: slot(0x42, 2),
        efl: slot(0x44, 4),
        dr0: slot(0x48, 8), dr1: slot(0x50, 8), dr2: slot(0x58, 8), dr3: slot(0x60, 8), dr6: slot(0x68, 8), dr7: slot(0x70, 8),
        rip: slot(0xf8, 8),
    };
    const gprs = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
    gprs.forEach((name, i) => { s[name] = slot(0x78 + 8 * i, 8); });
    for (let i = 0; i < 16; i++)
        s[`xmm${i}`] = slot(0x100 + 0xa0 + 16 * i, 16);
    return s;
}
function arm64Slots() {
    // ContextFlags 0, Cpsr 4, X0..X28 8.., Fp (X29) 0xf0, Lr (X30) 0xf8, Sp 0x100, Pc 0x108, V[32] 0x110,
    // Fpcr 0x310, Fpsr 0x314, Bcr[8] 0x318, Bvr[8] 0x338, Wcr[2] 0x378, Wvr[2] 0x380.
    const s = {
        cpsr: slot(0x04, 4), fp: slot(0xf0, 8), lr: slot(0xf8, 8), sp: slot(0x100, 8), pc: slot(0x108, 8),
        fpcr: slot(0x310, 4), fpsr: slot(0x314, 4),
    };
    for (let i = 0; i <= 28; i++)
        s[`x${i}`] = slot(0x08 + 8 * i, 8);
    s["x29"] = s["fp"];
    s["x30"] = s["lr"];
    for (let i = 0; i < 32; i++)
        s[`v${i}`] = slot(0x110 + 16 * i, 16);
    return s;
}
const REGISTER_SLOTS = {
    x86: x86Slots(),
    x64: x64Slots(),
    arm64: arm64Slots(),
};
/** WinDbg's names of the instruction, stack and frame pointers per architecture. */
const POINTER_REGISTERS = {
    x86: { ip: "eip", sp: "esp", fp: "ebp" },
    x64: { ip: "rip", sp: "rsp", fp: "rbp" },
    arm64: { ip: "pc", sp: "sp", fp: "fp" },
};
function writeLE(bytes, offset, width, value) {
    let v = value;
    for (let i = 0; i < width; i++) {
        bytes[offset + i] = Number(v & 0xffn);
        v >>= 8n;
    }
}
/** The merged register values a context will hold (defaults, then the test's values). */
function contextRegisters(arch, spec = {}) {
    return { ...(spec.noDefaults ? {} : DEFAULT_REGISTERS[arch]), ...(spec.registers ?? {}) };
}
/** Encodes a CONTEXT for the architecture; throws on an unknown register name or a value wider than its slot. */
function encodeContext(arch, spec = {}) {
    const bytes = new Uint8Array(CONTEXT_SIZE$1[arch]);
    writeLE(bytes, CONTEXT_FLAGS_OFFSET[arch], 4, BigInt(spec.contextFlags ?? DEFAULT_CONTEXT_FLAGS[arch]));
    const slots = REGISTER_SLOTS[arch];
    for (const [rawName, value] of Object.entries(contextRegisters(arch, spec))) {
        const name = rawName.toLowerCase();
        const places = slots[name];
        if (!places)
            throw new Error(`minidump-synth: ${arch} context has no register "${rawName}" (known: ${Object.keys(slots).join(" ")})`);
        for (const p of places) {
            if (value < 0n || value >= 1n << BigInt(8 * p.width))
                throw new Error(`minidump-synth: ${rawName}=0x${value.toString(16)} does not fit ${p.width} bytes`);
            writeLE(bytes, p.offset, p.width, value);
        }
    }
    return bytes;
}

/**
 * The stream writers of the synthetic minidump builder (minidump-synth.ts): turns a DumpModel into bytes
 * plus a layout. Structure sizes and field orders follow minidumpapiset.h as documented on Microsoft Learn
 * (all structures there are 4-byte packed): MINIDUMP_THREAD 48 bytes, MINIDUMP_THREAD_EX 64,
 * MINIDUMP_MODULE 108, MINIDUMP_UNLOADED_MODULE 24, MINIDUMP_MEMORY_DESCRIPTOR 16 (64-bit: 16),
 * MINIDUMP_EXCEPTION_STREAM 168, MINIDUMP_SYSTEM_INFO 56, MINIDUMP_HANDLE_DESCRIPTOR 32 (_2: 40),
 * MINIDUMP_MEMORY_INFO 48, MINIDUMP_THREAD_INFO 64, MINIDUMP_THREAD_NAME 12.
 */
/** MINIDUMP_MISC_INFO sizes by version. */
const MISC_INFO_SIZE = { 1: 24, 2: 44, 3: 232, 4: 832, 5: 1364 };
const PROCESSOR_ARCHITECTURE = { x86: 0, x64: 9, arm64: 12 };
/** MINIDUMP_STREAM_TYPE spellings where they differ from `<Key>Stream`. */
const OFFICIAL_NAMES = { Unused: "UnusedStream", CommentA: "CommentStreamA", CommentW: "CommentStreamW" };
function streamName$1(type) {
    for (const [name, value] of Object.entries(StreamType))
        if (value === type)
            return OFFICIAL_NAMES[name] ?? `${name}Stream`;
    return `Unknown(0x${type.toString(16)})`;
}
/** Writes a UTF-16 string into a fixed WCHAR[n] field (NUL-terminated, so at most n-1 characters). */
function fixedWide(sink, offset, chars, text, what) {
    if (text.length > chars - 1)
        throw new Error(`minidump-synth: ${what} longer than ${chars - 1} characters`);
    sink.bytes(offset, utf16le(text));
}
function writeDump(m) {
    const arch = m.options.arch;
    const pointerSize = arch === "x86" ? 4 : 8;
    const sink = new ByteSink();
    const storage = m.options.stackStorage ?? "memory-list";
    const deferred = [];
    const threadLayouts = [];
    const moduleLayouts = [];
    const memoryLayouts = [];
    let exceptionLayout;
    let memory64BaseRva;
    // ---- plan where each stack's bytes live
    const stacks = new Map();
    for (const t of m.threads) {
        if (!t.stack)
            continue;
        const bytes = "bytes" in t.stack ? t.stack.bytes : wordsToBytes(t.stack.words ?? [], pointerSize, t.stack.size);
        const only = t.stackInMemoryListOnly ?? false;
        const where = storage === "thread-only" ? (only ? "memory-list" : "thread") : storage;
        stacks.set(t.id, { threadId: t.id, start: t.stack.start, bytes, where, only, rva: undefined });
    }
    const memList = [
        ...[...stacks.values()].filter((s) => s.where === "memory-list").map((s) => ({ start: s.start, bytes: s.bytes, stack: s })),
        ...m.memory.map((r) => ({ start: r.start, bytes: r.bytes, stack: undefined })),
    ];
    const mem64 = [
        ...[...stacks.values()].filter((s) => s.where === "memory64").map((s) => ({ start: s.start, bytes: s.bytes, stack: s })),
        ...m.memory64.map((r) => ({ start: r.start, bytes: r.bytes, stack: undefined })),
    ];
    const threadRegisters = (t) => {
        const regs = { ...(t.registers ?? {}) };
        const sp = POINTER_REGISTERS[arch].sp;
        if (t.stack && regs[sp] === undefined)
            regs[sp] = t.stack.start;
        return regs;
    };
    const putContext = (regs, contextFlags, raw) => {
        const bytes = raw ?? encodeContext(arch, { registers: regs, contextFlags });
        return { offset: sink.put(bytes, 16), size: bytes.length };
    };
    const writers = [];
    const add = (type, present, write) => {
        if (present && !m.omitted.has(type))
            writers.push({ type, write });
    };
    const threadInfoWanted = m.threads.some((t) => t.times !== undefined);
    add(m.options.threadListEx ? StreamType.ThreadExList : StreamType.ThreadList, true, () => {
        const ex = m.options.threadListEx ?? false;
        const entrySize = ex ? 64 : 48;
        const at = sink.alloc(4 + entrySize * m.threads.length, 8);
        sink.u32(at, m.threads.length);
        m.threads.forEach((t, i) => {
            const e = at + 4 + i * entrySize;
            sink.u32(e, t.id);
            sink.u32(e + 4, t.suspendCount ?? 0);
            sink.u32(e + 8, t.priorityClass ?? 0x20);
            sink.u32(e + 12, t.priority ?? 0);
            sink.u64(e + 16, t.teb ?? 0n);
            const layout = { id: t.id, entryOffset: e, contextOffset: 0, contextSize: 0, stack: { start: 0n, size: 0, rva: 0 } };
            threadLayouts.push(layout);
            if (!t.noContext) {
                const ctx = putContext(threadRegisters(t), t.contextFlags, t.contextBytes);
                sink.u32(e + 40, ctx.size);
                sink.u32(e + 44, ctx.offset);
                layout.contextOffset = ctx.offset;
                layout.contextSize = ctx.size;
            }
            const plan = stacks.get(t.id);
            if (plan) {
                sink.u64(e + 24, plan.start);
                sink.u32(e + 32, plan.bytes.length);
                layout.stack = { start: plan.start, size: plan.bytes.length, rva: 0 };
                if (!plan.only && plan.where !== "memory64")
                    plan.rva = sink.put(plan.bytes, 16);
                if (plan.rva !== undefined) {
                    sink.u32(e + 36, plan.rva);
                    layout.stack.rva = plan.rva;
                }
                else if (!plan.only) {
                    deferred.push(() => { sink.u32(e + 36, plan.rva ?? 0); layout.stack.rva = plan.rva ?? 0; });
                }
            }
            if (ex && t.backingStore) {
                sink.u64(e + 48, t.backingStore.start);
                sink.u32(e + 56, t.backingStore.bytes.length);
                sink.u32(e + 60, sink.put(t.backingStore.bytes, 16));
            }
        });
        return { offset: at, size: 4 + entrySize * m.threads.length };
    });
    const named = m.threads.filter((t) => t.name !== undefined);
    add(StreamType.ThreadNames, named.length > 0, () => {
        const at = sink.alloc(4 + 12 * named.length, 8);
        sink.u32(at, named.length);
        named.forEach((t, i) => {
            sink.u32(at + 4 + 12 * i, t.id);
            sink.u64(at + 4 + 12 * i + 4, BigInt(sink.minidumpString(t.name ?? "")));
        });
        return { offset: at, size: 4 + 12 * named.length };
    });
    add(StreamType.ModuleList, true, () => {
        const at = sink.alloc(4 + 108 * m.modules.length, 8);
        sink.u32(at, m.modules.length);
        m.modules.forEach((mod, i) => {
            const e = at + 4 + 108 * i;
            sink.u64(e, mod.base);
            sink.u32(e + 8, mod.size);
            sink.u32(e + 12, mod.checksum ?? 0);
            sink.u32(e + 16, mod.timestamp ?? 0x5f000000);
            const nameRva = sink.minidumpString(mod.name);
            sink.u32(e + 20, nameRva);
            if (mod.version !== undefined) {
                const fileType = mod.fileType ?? (/\.exe$/i.test(mod.name) ? 1 : 2);
                sink.bytes(e + 24, fixedFileInfo({ fileVersion: mod.version, productVersion: mod.productVersion, fileFlags: mod.fileFlags, fileType }));
            }
            const cv = mod.codeView ?? (mod.pdb ? rsdsRecord(mod.pdb) : undefined);
            const layout = { path: mod.name, entryOffset: e, nameRva, cvRva: 0, cvSize: 0 };
            if (cv) {
                layout.cvRva = sink.put(cv, 4);
                layout.cvSize = cv.length;
                sink.u32(e + 76, cv.length);
                sink.u32(e + 80, layout.cvRva);
            }
            if (mod.miscRecord) {
                sink.u32(e + 84, mod.miscRecord.length);
                sink.u32(e + 88, sink.put(mod.miscRecord, 4));
            }
            moduleLayouts.push(layout);
        });
        return { offset: at, size: 4 + 108 * m.modules.length };
    });
    add(StreamType.UnloadedModuleList, m.unloaded.length > 0, () => {
        const at = sink.alloc(12 + 24 * m.unloaded.length, 8);
        sink.u32(at, 12);
        sink.u32(at + 4, 24);
        sink.u32(at + 8, m.unloaded.length);
        m.unloaded.forEach((u, i) => {
            const e = at + 12 + 24 * i;
            sink.u64(e, u.base);
            sink.u32(e + 8, u.size);
            sink.u32(e + 12, u.checksum ?? 0);
            sink.u32(e + 16, u.timestamp ?? 0x5f000000);
            sink.u32(e + 20, sink.minidumpString(u.name));
        });
        return { offset: at, size: 12 + 24 * m.unloaded.length };
    });
    add(StreamType.MemoryList, memList.length > 0, () => {
        const at = sink.alloc(4 + 16 * memList.length, 8);
        sink.u32(at, memList.length);
        memList.forEach((r, i) => {
            const d = at + 4 + 16 * i;
            const rva = r.stack?.rva ?? sink.put(r.bytes, 16);
            if (r.stack)
                r.stack.rva = rva;
            sink.u64(d, r.start);
            sink.u32(d + 8, r.bytes.length);
            sink.u32(d + 12, rva);
            memoryLayouts.push({ start: r.start, size: r.bytes.length, rva, list: "MemoryList", descriptorOffset: d, stackOf: r.stack?.threadId });
        });
        return { offset: at, size: 4 + 16 * memList.length };
    });
    add(StreamType.Memory64List, mem64.length > 0, () => {
        const at = sink.alloc(16 + 16 * mem64.length, 8);
        sink.u64(at, BigInt(mem64.length));
        mem64.forEach((r, i) => {
            sink.u64(at + 16 + 16 * i, r.start);
            sink.u64(at + 24 + 16 * i, BigInt(r.bytes.length));
        });
        deferred.unshift(() => {
            // The ranges' bytes, back to back from BaseRva, at the end of the file.
            const base = sink.alloc(0, 16);
            memory64BaseRva = base;
            sink.u64(at + 8, BigInt(base));
            mem64.forEach((r, i) => {
                const rva = sink.put(r.bytes, 1);
                if (r.stack)
                    r.stack.rva = rva;
                memoryLayouts.push({ start: r.start, size: r.bytes.length, rva, list: "Memory64List", descriptorOffset: at + 16 + 16 * i, stackOf: r.stack?.threadId });
            });
        });
        return { offset: at, size: 16 + 16 * mem64.length };
    });
    const exc = m.exception;
    add(StreamType.Exception, exc !== undefined, () => {
        if (!exc)
            throw new Error("unreachable");
        const at = sink.alloc(168, 8);
        const params = exc.parameters ?? [];
        sink.u32(at, exc.threadId);
        sink.u32(at + 8, exc.code);
        sink.u32(at + 12, exc.flags ?? 0);
        sink.u64(at + 16, exc.nestedRecord ?? 0n);
        sink.u64(at + 24, exc.address);
        sink.u32(at + 32, params.length);
        params.forEach((p, i) => sink.u64(at + 40 + 8 * i, p));
        if (!exc.noContext) {
            const thread = m.threads.find((t) => t.id === exc.threadId);
            const regs = exc.registers ? { ...exc.registers } : thread ? threadRegisters(thread) : {};
            const ctx = putContext(regs, exc.contextFlags);
            sink.u32(at + 160, ctx.size);
            sink.u32(at + 164, ctx.offset);
            exceptionLayout = { contextOffset: ctx.offset, contextSize: ctx.size };
        }
        return { offset: at, size: 168 };
    });
    add(StreamType.SystemInfo, true, () => {
        const s = m.systemInfo;
        const os = m.options.os ?? { major: 10, minor: 0, build: 19041 };
        const at = sink.alloc(56, 8);
        sink.u16(at, s.processorArchitecture ?? PROCESSOR_ARCHITECTURE[arch]);
        sink.u16(at + 2, s.processorLevel ?? (arch === "arm64" ? 8 : 6));
        sink.u16(at + 4, s.processorRevision ?? (arch === "arm64" ? 0 : 0x9e0a));
        sink.u8(at + 6, s.processorCount ?? m.options.processorCount ?? 4);
        sink.u8(at + 7, s.productType ?? 1);
        sink.u32(at + 8, s.majorVersion ?? os.major);
        sink.u32(at + 12, s.minorVersion ?? os.minor);
        sink.u32(at + 16, s.buildNumber ?? os.build);
        sink.u32(at + 20, s.platformId ?? 2);
        sink.u16(at + 28, s.suiteMask ?? 0x100);
        if (arch === "x86") {
            const vendor = s.vendor ?? "GenuineIntel";
            if (vendor.length !== 12)
                throw new Error("minidump-synth: vendor must be 12 characters");
            sink.bytes(at + 32, ascii(vendor));
            sink.u32(at + 44, s.cpuVersion ?? 0x000906ea);
            sink.u32(at + 48, s.cpuFeatures ?? 0xbfebfbff);
            sink.u32(at + 52, s.amdFeatures ?? 0);
        }
        else {
            sink.u64(at + 32, s.processorFeatures?.[0] ?? 0n);
            sink.u64(at + 40, s.processorFeatures?.[1] ?? 0n);
        }
        sink.u32(at + 24, sink.minidumpString(s.csdVersion ?? os.csd ?? ""));
        return { offset: at, size: 56 };
    });
    const misc = m.misc;
    add(StreamType.MiscInfo, misc !== undefined, () => writeMisc(sink, misc ?? {}));
    const handles = m.handles;
    add(StreamType.HandleData, handles !== undefined, () => {
        const list = handles?.list ?? [];
        const size = handles?.descriptorSize ?? 40;
        const at = sink.alloc(16 + size * list.length, 8);
        sink.u32(at, 16);
        sink.u32(at + 4, size);
        sink.u32(at + 8, list.length);
        list.forEach((h, i) => {
            const e = at + 16 + size * i;
            sink.u64(e, h.handle);
            sink.u32(e + 8, sink.minidumpString(h.type));
            if (h.name !== undefined)
                sink.u32(e + 12, sink.minidumpString(h.name));
            sink.u32(e + 16, h.attributes ?? 0);
            sink.u32(e + 20, h.grantedAccess ?? 0);
            sink.u32(e + 24, h.handleCount ?? 1);
            sink.u32(e + 28, h.pointerCount ?? 1);
        });
        return { offset: at, size: 16 + size * list.length };
    });
    const infos = m.memoryInfo;
    add(StreamType.MemoryInfoList, infos !== undefined, () => {
        const list = infos ?? [];
        const at = sink.alloc(16 + 48 * list.length, 8);
        sink.u32(at, 16);
        sink.u32(at + 4, 48);
        sink.u64(at + 8, BigInt(list.length));
        list.forEach((r, i) => {
            const e = at + 16 + 48 * i;
            sink.u64(e, r.base);
            sink.u64(e + 8, r.allocationBase ?? r.base);
            sink.u32(e + 16, r.allocationProtect ?? r.protect);
            sink.u64(e + 24, BigInt(r.size));
            sink.u32(e + 32, r.state);
            sink.u32(e + 36, r.protect);
            sink.u32(e + 40, r.type);
        });
        return { offset: at, size: 16 + 48 * list.length };
    });
    add(StreamType.ThreadInfoList, threadInfoWanted, () => {
        const at = sink.alloc(12 + 64 * m.threads.length, 8);
        sink.u32(at, 12);
        sink.u32(at + 4, 64);
        sink.u32(at + 8, m.threads.length);
        m.threads.forEach((t, i) => {
            const e = at + 12 + 64 * i;
            const x = t.times ?? {};
            sink.u32(e, t.id);
            sink.u32(e + 4, x.dumpFlags ?? 0);
            sink.u32(e + 8, x.dumpError ?? 0);
            sink.u32(e + 12, x.exitStatus ?? 0);
            sink.u64(e + 16, x.create ?? 0n);
            sink.u64(e + 24, x.exit ?? 0n);
            sink.u64(e + 32, x.kernel ?? 0n);
            sink.u64(e + 40, x.user ?? 0n);
            sink.u64(e + 48, x.startAddress ?? 0n);
            sink.u64(e + 56, x.affinity ?? 0n);
        });
        return { offset: at, size: 12 + 64 * m.threads.length };
    });
    for (const c of m.comments) {
        add(c.wide ? StreamType.CommentW : StreamType.CommentA, true, () => {
            const text = c.wide ? utf16le(c.text) : ascii(c.text);
            const bytes = new Uint8Array(text.length + (c.wide ? 2 : 1));
            bytes.set(text);
            return { offset: sink.put(bytes, 4), size: bytes.length };
        });
    }
    const bp = m.breakpadInfo;
    add(StreamType.BreakpadInfo, bp !== undefined, () => {
        const at = sink.alloc(12, 4);
        sink.u32(at, (bp?.dumpThreadId !== undefined ? 1 : 0) | (bp?.requestingThreadId !== undefined ? 2 : 0));
        sink.u32(at + 4, bp?.dumpThreadId ?? 0);
        sink.u32(at + 8, bp?.requestingThreadId ?? 0);
        return { offset: at, size: 12 };
    });
    const as = m.assertion;
    add(StreamType.AssertionInfo, as !== undefined, () => {
        // MDRawAssertionInfo: expression, function, file as UTF-16 [128] each, then line and type.
        const at = sink.alloc(776, 4);
        fixedWide(sink, at, 128, as?.expression ?? "", "assertion expression");
        fixedWide(sink, at + 256, 128, as?.function ?? "", "assertion function");
        fixedWide(sink, at + 512, 128, as?.file ?? "", "assertion file");
        sink.u32(at + 768, as?.line ?? 0);
        sink.u32(at + 772, as?.type ?? 0);
        return { offset: at, size: 776 };
    });
    for (const r of m.raw)
        add(r.type, true, () => ({ offset: sink.put(r.bytes, 8), size: r.bytes.length }));
    // ---- header and directory, then the streams
    const reserved = m.options.reservedStreams ?? 0;
    const count = writers.length + reserved;
    sink.alloc(HEADER_SIZE, 1);
    const dir = sink.alloc(DIRECTORY_ENTRY_SIZE * count, 4);
    const streams = [];
    writers.forEach((w, i) => {
        const { offset, size } = w.write();
        const entry = dir + DIRECTORY_ENTRY_SIZE * i;
        sink.u32(entry, w.type);
        sink.u32(entry + 4, size);
        sink.u32(entry + 8, offset);
        streams.push({ index: i, type: w.type, name: streamName$1(w.type), offset, size, entryOffset: entry });
    });
    for (let i = writers.length; i < count; i++) {
        streams.push({ index: i, type: 0, name: "Unused", offset: 0, size: 0, entryOffset: dir + DIRECTORY_ENTRY_SIZE * i });
    }
    for (const f of deferred)
        f();
    const present = (type) => writers.some((w) => w.type === type);
    let flags = m.options.flags;
    if (flags === undefined) {
        flags = MiniDumpType.Normal;
        if (present(StreamType.Memory64List))
            flags |= MiniDumpType.WithFullMemory;
        if (present(StreamType.HandleData))
            flags |= MiniDumpType.WithHandleData;
        if (present(StreamType.UnloadedModuleList))
            flags |= MiniDumpType.WithUnloadedModules;
        if (present(StreamType.MemoryInfoList))
            flags |= MiniDumpType.WithFullMemoryInfo;
        if (present(StreamType.ThreadInfoList))
            flags |= MiniDumpType.WithThreadInfo;
    }
    sink.u32(0, MINIDUMP_SIGNATURE);
    sink.u32(4, (MINIDUMP_VERSION | ((m.options.implementationVersion ?? 0) << 16)) >>> 0);
    sink.u32(8, count);
    sink.u32(12, dir);
    sink.u32(16, m.options.checksum ?? 0);
    sink.u32(20, m.options.timestamp ?? 0x60000000);
    sink.u64(24, flags);
    const bytes = sink.result();
    const layout = {
        size: bytes.length,
        directory: { offset: dir, count },
        streams,
        threads: threadLayouts,
        modules: moduleLayouts,
        exception: exceptionLayout,
        memory: memoryLayouts,
        memory64BaseRva,
        stream(type) {
            const s = streams.find((x) => x.type === type);
            if (!s)
                throw new Error(`minidump-synth: the dump has no stream of type ${type} (${streamName$1(type)})`);
            return s;
        },
    };
    return { bytes, layout };
}
/** MINIDUMP_MISC_INFO .. _5: the fields up to the version's size, Flags1 from the fields given. */
function writeMisc(sink, s) {
    const version = s.version ?? 5;
    const size = MISC_INFO_SIZE[version];
    const at = sink.alloc(size, 8);
    let flags = 0;
    const field = (offset, value, flag, minVersion, what) => {
        if (value === undefined)
            return;
        if (version < minVersion)
            throw new Error(`minidump-synth: misc ${what} needs MINIDUMP_MISC_INFO_${minVersion}`);
        sink.u32(at + offset, value);
        flags |= flag;
    };
    field(8, s.processId, 0x1, 1, "processId");
    field(12, s.createTime, 0x2, 1, "createTime");
    field(16, s.userTime, 0x2, 1, "userTime");
    field(20, s.kernelTime, 0x2, 1, "kernelTime");
    field(24, s.processorMaxMhz, 0x4, 2, "processorMaxMhz");
    field(28, s.processorCurrentMhz, 0x4, 2, "processorCurrentMhz");
    field(32, s.processorMhzLimit, 0x4, 2, "processorMhzLimit");
    field(36, s.processorMaxIdleState, 0x4, 2, "processorMaxIdleState");
    field(40, s.processorCurrentIdleState, 0x4, 2, "processorCurrentIdleState");
    field(44, s.processIntegrityLevel, 0x10, 3, "processIntegrityLevel");
    field(48, s.processExecuteFlags, 0x20, 3, "processExecuteFlags");
    field(52, s.protectedProcess, 0x80, 3, "protectedProcess");
    field(56, s.timeZoneId, 0x40, 3, "timeZoneId");
    if (s.timeZone) {
        if (version < 3)
            throw new Error("minidump-synth: misc timeZone needs MINIDUMP_MISC_INFO_3");
        flags |= 0x40;
        // TIME_ZONE_INFORMATION at 60: Bias, StandardName[32], StandardDate, StandardBias, DaylightName[32], DaylightDate, DaylightBias.
        sink.u32(at + 60, s.timeZone.bias ?? 0);
        fixedWide(sink, at + 64, 32, s.timeZone.standardName ?? "", "time zone standard name");
        fixedWide(sink, at + 148, 32, s.timeZone.daylightName ?? "", "time zone daylight name");
    }
    if (s.buildString !== undefined || s.dbgBuildString !== undefined) {
        if (version < 4)
            throw new Error("minidump-synth: misc buildString needs MINIDUMP_MISC_INFO_4");
        flags |= 0x100;
        fixedWide(sink, at + 232, 260, s.buildString ?? "", "build string");
        fixedWide(sink, at + 752, 40, s.dbgBuildString ?? "", "debug build string");
    }
    field(1360, s.processCookie, 0x200, 5, "processCookie");
    sink.u32(at, size);
    sink.u32(at + 4, s.flags1 ?? flags);
    return { offset: at, size };
}

/**
 * Synthetic Windows minidumps for tests, in the spirit of rust-minidump's `minidump-synth`: a fluent
 * builder that emits real minidump bytes, so each reader feature and each analysis can be tested on a dump
 * whose content is exactly known. Every field has a default; a test states only what it needs.
 *
 *   const bytes = synthMinidump({ arch: "x64" })
 *     .thread({ id: 0x1a4, registers: { rip: 0x7ff6_1234_5678n }, stack: { start: 0x9f_f000n, size: 0x100, words: [0x7ff6_1234_0000n] } })
 *     .module({ name: "C:\\app\\app.exe", base: 0x7ff6_1230_0000n, size: 0x5000, pdb: { name: "app.pdb", guid: "...32 hex...", age: 1 } })
 *     .exception({ threadId: 0x1a4, code: 0xc0000005, address: 0x7ff6_1234_5678n })
 *     .build();
 *
 * Layout: MINIDUMP_HEADER at 0, the directory right after it, then each stream's fixed part followed by
 * the data it references (strings, CodeView records, contexts, stack bytes); Memory64List data last.
 * `layout()` says where everything landed; `corrupt()` and `headerOffsets` damage it for robustness tests.
 * Written from the public format documentation; it shares no code with src/minidump.
 */
// ---------------------------------------------------------------- format constants
const MINIDUMP_SIGNATURE = 0x504d444d; // "MDMP"
const MINIDUMP_VERSION = 0xa793;
const HEADER_SIZE = 32;
const DIRECTORY_ENTRY_SIZE = 12;
/** MINIDUMP_STREAM_TYPE values (and Breakpad's two). */
const StreamType = {
    Unused: 0, ThreadList: 3, ModuleList: 4, MemoryList: 5, Exception: 6, SystemInfo: 7, ThreadExList: 8,
    Memory64List: 9, CommentA: 10, CommentW: 11, HandleData: 12, FunctionTable: 13, UnloadedModuleList: 14,
    MiscInfo: 15, MemoryInfoList: 16, ThreadInfoList: 17, HandleOperationList: 18, Token: 19, ThreadNames: 24,
    BreakpadInfo: 0x47670001, AssertionInfo: 0x47670002,
};
/** MINIDUMP_TYPE flags the builder sets by default from the content (see SynthOptions.flags). */
const MiniDumpType = {
    Normal: 0n, WithFullMemory: 2n, WithHandleData: 4n, WithUnloadedModules: 0x20n,
    WithFullMemoryInfo: 0x800n, WithThreadInfo: 0x1000n,
};
// ---------------------------------------------------------------- builder
class MinidumpSynth {
    options;
    threads = [];
    modules = [];
    unloaded = [];
    memoryRanges = [];
    memory64Ranges = [];
    exceptionSpec;
    miscSpec;
    handleSpec;
    memoryInfoSpec;
    comments = [];
    raw = [];
    sysInfo = {};
    breakpad;
    assertionSpec;
    omitted = new Set();
    cached;
    constructor(options) {
        this.options = options;
    }
    touch() {
        this.cached = undefined;
        return this;
    }
    thread(spec) {
        if (this.threads.some((t) => t.id === spec.id))
            throw new Error(`minidump-synth: thread ${spec.id} declared twice`);
        this.threads.push(spec);
        return this.touch();
    }
    module(spec) {
        this.modules.push(spec);
        return this.touch();
    }
    unloadedModule(spec) {
        this.unloaded.push(spec);
        return this.touch();
    }
    /** A MemoryListStream range. */
    memory(start, bytes) {
        this.memoryRanges.push({ start, bytes });
        return this.touch();
    }
    /** A Memory64ListStream range (its bytes go, contiguous with the other ranges', at the end of the file). */
    memory64(start, bytes) {
        this.memory64Ranges.push({ start, bytes });
        return this.touch();
    }
    exception(spec) {
        if ((spec.parameters?.length ?? 0) > 15)
            throw new Error("minidump-synth: at most 15 exception parameters");
        this.exceptionSpec = spec;
        return this.touch();
    }
    misc(spec) {
        this.miscSpec = spec;
        return this.touch();
    }
    /** HandleDataStream; descriptorSize 40 (MINIDUMP_HANDLE_DESCRIPTOR_2, default) or 32. */
    handles(list, opts = {}) {
        this.handleSpec = { list, descriptorSize: opts.descriptorSize ?? 40 };
        return this.touch();
    }
    memoryInfo(list) {
        this.memoryInfoSpec = list;
        return this.touch();
    }
    /** CommentStreamA (ASCII) or, with wide, CommentStreamW (UTF-16LE); NUL-terminated. */
    comment(text, opts = {}) {
        this.comments.push({ text, wide: opts.wide ?? false });
        return this.touch();
    }
    /** A stream of any type with the given bytes. */
    rawStream(type, bytes) {
        this.raw.push({ type, bytes });
        return this.touch();
    }
    /** Overrides of MINIDUMP_SYSTEM_INFO fields (merged with earlier calls). */
    systemInfo(spec) {
        this.sysInfo = { ...this.sysInfo, ...spec };
        return this.touch();
    }
    /** Breakpad's MDRawBreakpadInfo stream (0x47670001). */
    breakpadInfo(spec) {
        this.breakpad = spec;
        return this.touch();
    }
    /** Breakpad's MDRawAssertionInfo stream (0x47670002). */
    assertion(spec) {
        this.assertionSpec = spec;
        return this.touch();
    }
    /** Leaves out a stream the builder writes by default (ThreadList, ModuleList, SystemInfo) or would write from content. */
    omitStream(type) {
        this.omitted.add(type);
        return this.touch();
    }
    model() {
        return {
            options: this.options, threads: this.threads, modules: this.modules, unloaded: this.unloaded,
            memory: this.memoryRanges, memory64: this.memory64Ranges, exception: this.exceptionSpec, misc: this.miscSpec,
            handles: this.handleSpec, memoryInfo: this.memoryInfoSpec, comments: this.comments, raw: this.raw,
            systemInfo: this.sysInfo, breakpadInfo: this.breakpad, assertion: this.assertionSpec, omitted: this.omitted,
        };
    }
    run() {
        this.cached ??= writeDump(this.model());
        return this.cached;
    }
    /** The dump's bytes (a fresh copy each call). */
    build() {
        return this.run().bytes.slice();
    }
    /** Where each stream, thread context, module record and memory range landed in `build()`'s bytes. */
    layout() {
        return this.run().layout;
    }
    writeTo(path) {
        writeFileSync(path, this.run().bytes);
        return path;
    }
}
function synthMinidump(options) {
    return new MinidumpSynth(options);
}

/**
 * `ewmda demo`: a synthetic x64 dump with known problems, written with the project's minidump writer, and
 * Breakpad symbol files for its modules, so a new user sees what ewmda does without a dump of their own:
 * - thread 0x1a4 faulted: an access violation reading address 0 in demoapp.exe (the exception stream);
 * - thread 0x2b0 is spiking: 41 s of user time in the last minute (thread info stream);
 * - threads 0x2c8 and 0x2d4 are deadlocked: each owns one critical section and waits for the other's
 *   (both sections are on ntdll's RtlCriticalSectionList, as Windows keeps them);
 * - thread 0x300's stack still holds a pointer into plugin.dll, which has been unloaded.
 * Every thread has a TEB in the dump (stack limits, client id, PEB), as a real minidump has.
 */
const PID = 0x1138;
const APP = 0x7ff610000000n;
const NTDLL = 0x7ffb20000000n;
const KERNEL32 = 0x7ffb1e000000n;
const PLUGIN = 0x7ffa50000000n;
const PEB = 0x000000479fffe000n;
const HEAP = 0x000001d000001000n;
const STACK_SIZE = 0x2000;
const TIMESTAMP = 1_795_000_000; // when the dump was written (time_t)
const DUMP_FILETIME = BigInt(TIMESTAMP) * 10000000n + 116444736000000000n;
const SECOND = 10000000n; // FILETIME units
const SYMBOLS = {
    ntdll: {
        pdb: "ntdll.pdb", guid: "1EB9FACB04C73C5DEA7160764CD33301",
        functions: [
            { name: "RtlUserThreadStart", rva: 0x5aa40, size: 0x40 },
            { name: "RtlpWaitOnCriticalSection", rva: 0x6b200, size: 0x200 },
            { name: "RtlpEnterCriticalSectionContended", rva: 0x6b400, size: 0x100 },
            { name: "RtlEnterCriticalSection", rva: 0x6b500, size: 0x80 },
            { name: "NtWaitForSingleObject", rva: 0x9d4c0, size: 0x20 },
            { name: "NtWaitForAlertByThreadId", rva: 0x9e000, size: 0x20 },
        ],
        publics: [{ name: "RtlCriticalSectionList", rva: 0x16d100, size: 0 }],
    },
    kernel32: { pdb: "kernel32.pdb", guid: "54448D8EEFC5AB3C7193D2C7A6DF9008", functions: [{ name: "BaseThreadInitThunk", rva: 0x17030, size: 0x40 }], publics: [] },
    demoapp: {
        pdb: "demoapp.pdb", guid: "0DEC0DE0000000000000000000000001",
        functions: [
            { name: "main", rva: 0x1100, size: 0x100 }, { name: "CrashFunction", rva: 0x1200, size: 0x100 }, { name: "WorkerA", rva: 0x1600, size: 0x40 },
            { name: "WorkerB", rva: 0x1640, size: 0x40 }, { name: "Loader", rva: 0x1700, size: 0x40 }, { name: "SpinForever", rva: 0x1800, size: 0x40 },
        ],
        publics: [],
    },
};
const threads = [
    { id: 0x1a4, name: "main", user: 120000n },
    { id: 0x2b0, name: "spinner", user: 41n * SECOND },
    { id: 0x2c8, name: "worker A", user: 20000n },
    { id: 0x2d4, name: "worker B", user: 30000n },
    { id: 0x300, name: "loader", user: 10000n },
];
function field(type, name) {
    const t = new TypeTable(WINDOWS_USER_X64).resolve(type);
    const f = t && t.kind === "udt" ? t.field(name) : undefined;
    if (!f)
        throw new Error(`no ${type}.${name}`);
    return f.offset;
}
function u64(bytes, offset, v) {
    new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(offset, v, true);
}
function i32(bytes, offset, v) {
    new DataView(bytes.buffer, bytes.byteOffset).setInt32(offset, v, true);
}
const fn = (module, name, offset) => {
    const base = module === "ntdll" ? NTDLL : module === "kernel32" ? KERNEL32 : APP;
    const s = SYMBOLS[module].functions.find((f) => f.name === name);
    if (!s)
        throw new Error(`demo: no ${module}!${name}`);
    return base + BigInt(s.rva + offset);
};
/** The demo dump's bytes. */
function demoDump() {
    const pdb = (m) => ({ name: SYMBOLS[m].pdb, guid: SYMBOLS[m].guid, age: 1 });
    const b = synthMinidump({ arch: "x64", os: { major: 10, minor: 0, build: 19045 }, processorCount: 8, timestamp: TIMESTAMP })
        .module({ name: "C:\\Program Files\\Demo\\demoapp.exe", base: APP, size: 0x20000, version: "1.0.0.0", pdb: pdb("demoapp") })
        .module({ name: "C:\\Windows\\System32\\ntdll.dll", base: NTDLL, size: 0x1f0000, version: "10.0.19041.3636", pdb: pdb("ntdll") })
        .module({ name: "C:\\Windows\\System32\\kernel32.dll", base: KERNEL32, size: 0xc0000, version: "10.0.19041.3636", pdb: pdb("kernel32") })
        .unloadedModule({ name: "C:\\Program Files\\Demo\\plugin.dll", base: PLUGIN, size: 0x30000 })
        .misc({ processId: PID, createTime: TIMESTAMP - 120, userTime: 42, kernelTime: 1 });
    // Two critical sections, each owned by one worker and wanted by the other, on ntdll's lock list.
    const csA = HEAP;
    const csB = HEAP + 0x40n;
    const dbgA = HEAP + 0x80n;
    const dbgB = HEAP + 0xc0n;
    const listHead = NTDLL + 0x16d100n;
    const heap = new Uint8Array(0x100);
    const cs = (at, debug, owner) => {
        u64(heap, at + field("_RTL_CRITICAL_SECTION", "DebugInfo"), debug);
        i32(heap, at + field("_RTL_CRITICAL_SECTION", "LockCount"), -6); // locked, one waiter
        i32(heap, at + field("_RTL_CRITICAL_SECTION", "RecursionCount"), 1);
        u64(heap, at + field("_RTL_CRITICAL_SECTION", "OwningThread"), BigInt(owner));
    };
    cs(0, dbgA, 0x2c8);
    cs(0x40, dbgB, 0x2d4);
    const links = field("_RTL_CRITICAL_SECTION_DEBUG", "ProcessLocksList");
    const debug = (at, section, flink, blink) => {
        u64(heap, at + field("_RTL_CRITICAL_SECTION_DEBUG", "CriticalSection"), section);
        u64(heap, at + links, flink);
        u64(heap, at + links + 8, blink);
    };
    debug(0x80, csA, dbgB + BigInt(links), listHead);
    debug(0xc0, csB, listHead, dbgA + BigInt(links));
    b.memory(HEAP, heap);
    const head = new Uint8Array(16);
    u64(head, 0, dbgA + BigInt(links));
    u64(head, 8, dbgB + BigInt(links));
    b.memory(listHead, head);
    const peb = new Uint8Array(0x400);
    u64(peb, field("_PEB", "ImageBaseAddress"), APP);
    b.memory(PEB, peb);
    threads.forEach((t, i) => {
        const start = 0x000000e800000000n + BigInt(i + 1) * 0x100000n - BigInt(STACK_SIZE);
        const base = start + BigInt(STACK_SIZE);
        const sp = base - 0x400n;
        const words = new Array(STACK_SIZE / 8).fill(0n);
        const put = (slot, v) => { words[Number(sp - start) / 8 + slot] = v; };
        // Every thread started in kernel32!BaseThreadInitThunk from ntdll!RtlUserThreadStart.
        put(36, fn("kernel32", "BaseThreadInitThunk", 0x14));
        put(40, fn("ntdll", "RtlUserThreadStart", 0x21));
        let rip = fn("ntdll", "NtWaitForSingleObject", 0x14);
        if (t.id === 0x1a4) {
            rip = APP + 0x1234n;
            put(0, fn("demoapp", "main", 0x50));
        }
        if (t.id === 0x2b0) {
            rip = fn("demoapp", "SpinForever", 0x12);
            put(0, fn("demoapp", "main", 0x80));
        }
        if (t.id === 0x2c8 || t.id === 0x2d4) {
            // Waiting inside EnterCriticalSection for the other worker's section.
            rip = fn("ntdll", "NtWaitForAlertByThreadId", 0x14);
            put(0, fn("ntdll", "RtlpWaitOnCriticalSection", 0x11c));
            put(4, fn("ntdll", "RtlpEnterCriticalSectionContended", 0xd4));
            put(6, t.id === 0x2c8 ? csB : csA);
            put(8, fn("ntdll", "RtlEnterCriticalSection", 0x42));
            put(12, fn("demoapp", t.id === 0x2c8 ? "WorkerA" : "WorkerB", 0x1f));
        }
        if (t.id === 0x300) {
            put(-6, PLUGIN + 0x1234n);
            put(0, fn("demoapp", "Loader", 0x20));
        }
        const teb = 0x00000047a0000000n + BigInt(i) * 0x2000n;
        const tebBytes = new Uint8Array(0x1800);
        u64(tebBytes, field("_TEB", "NtTib") + field("_NT_TIB", "StackBase"), base);
        u64(tebBytes, field("_TEB", "NtTib") + field("_NT_TIB", "StackLimit"), start);
        u64(tebBytes, field("_TEB", "NtTib") + field("_NT_TIB", "Self"), teb);
        u64(tebBytes, field("_TEB", "ClientId") + field("_CLIENT_ID", "UniqueProcess"), BigInt(PID));
        u64(tebBytes, field("_TEB", "ClientId") + field("_CLIENT_ID", "UniqueThread"), BigInt(t.id));
        u64(tebBytes, field("_TEB", "ProcessEnvironmentBlock"), PEB);
        b.memory(teb, tebBytes);
        b.thread({
            id: t.id, teb, name: t.name, suspendCount: 1,
            stack: { start, size: STACK_SIZE, words },
            registers: { rip, rsp: sp, rbp: 0n },
            times: { create: DUMP_FILETIME - 60n * SECOND, user: t.user, kernel: 5000n, startAddress: APP + 0x1100n },
        });
    });
    b.exception({ threadId: 0x1a4, code: 0xc0000005, address: APP + 0x1234n, parameters: [0n, 0n] });
    return b.build();
}
/** Breakpad .sym files for the demo's modules, in symbol-server layout under `dir`. */
function writeDemoSymbols(dir) {
    for (const [module, s] of Object.entries(SYMBOLS)) {
        const id = s.guid + "1";
        const folder = path.join(dir, s.pdb, id);
        mkdirSync(folder, { recursive: true });
        const lines = [`MODULE windows x86_64 ${id} ${s.pdb}`];
        for (const f of s.functions)
            lines.push(`FUNC ${f.rva.toString(16)} ${f.size.toString(16)} 0 ${f.name}`);
        for (const p of s.publics)
            lines.push(`PUBLIC ${p.rva.toString(16)} 0 ${p.name}`);
        writeFileSync(path.join(folder, `${module}.sym`), lines.join("\n") + "\n");
    }
}
/** Writes the demo dump and its symbols; returns the dump's path and the symbols folder. */
function runDemo(out) {
    writeFileSync(out, demoDump());
    const symbols = out.replace(/\.dmp$/i, "") + ".symbols";
    writeDemoSymbols(symbols);
    return { dump: out, symbols };
}
/** Lines explaining what was planted and what ewmda finds today. */
function demoNotes() {
    return [
        "What the demo dump holds, and what finds it:",
        "  - an access violation reading address 0 on thread 0x1a4 at demoapp.exe+0x1234: ExceptionStackTraces (and the Event row)",
        "  - thread 0x2b0 spinning (41 s of user time in its last minute): SpikingThreads and ActiveThreads",
        "  - threads 0x2c8 and 0x2d4 deadlocked on two critical sections: LockWaitChains (and BlockedThreads)",
        "  - a pointer into the unloaded plugin.dll (0x7ffa50001234) just below thread 0x300's stack pointer: RawStack",
        "    shows it only as a plain Value (dx @$ewmda.RawStack(0x300, \"all\")); recognizing unloaded-module residue is not built yet",
    ];
}

const LINQ_NAMES = [
    "Aggregate", "All", "AllNonError", "Any", "Average", "Concat", "Contains", "Count", "Distinct", "Except", "First",
    "FirstNonError", "Flatten", "GroupBy", "Intersect", "Join", "Last", "LastNonError", "Max", "Min", "OrderBy",
    "OrderByDescending", "Reverse", "Select", "SequenceEqual", "Single", "Skip", "SkipWhile", "Sum", "Take",
    "TakeWhile", "Union", "Where",
];
const COLLECTION_MARK = Symbol("ewmda.emulator.collection");
function normalizeKey(env, key) {
    if (env.int64.is(key))
        return "n" + key.bits.toString();
    if (typeof key === "number" && Number.isInteger(key))
        return "n" + BigInt(key).toString();
    if (typeof key === "bigint")
        return "n" + key.toString();
    if (typeof key === "string") {
        if (/^\d+$/.test(key))
            return "n" + key;
        if (/^0x[0-9a-f]+$/i.test(key))
            return "n" + BigInt(key).toString();
        return "s" + key.toLowerCase();
    }
    return "?" + String(key);
}
function compareValues(env, a, b) {
    if ((env.int64.is(a) || typeof a === "number") && (env.int64.is(b) || typeof b === "number")) {
        const x = env.int64.toBigInt(a);
        const y = env.int64.toBigInt(b);
        return x < y ? -1 : x > y ? 1 : 0;
    }
    const s = String(a);
    const t = String(b);
    return s < t ? -1 : s > t ? 1 : 0;
}
function valueEquals(env, a, b) {
    if (env.int64.is(a) || env.int64.is(b)) {
        try {
            return env.int64.toBigInt(a) === env.int64.toBigInt(b);
        }
        catch {
            return false;
        }
    }
    return a === b;
}
/** Makes a model collection over `source` (an array, or a function producing the elements on demand). */
function modelCollection(env, source, options = {}) {
    let cached;
    const items = () => {
        if (!cached)
            cached = Array.isArray(source) ? source : Array.from(source());
        return cached;
    };
    const keyOf = options.keyOf ?? ((_item, i) => i);
    const derive = (next, keep) => modelCollection(env, next, keep ? { keyOf: keep } : {});
    const byKey = (key) => {
        const wanted = normalizeKey(env, key);
        const list = items();
        for (let i = 0; i < list.length; i++) {
            if (normalizeKey(env, keyOf(list[i], i)) === wanted)
                return list[i];
        }
        return options.lookup ? options.lookup(list, key) : undefined;
    };
    const fn = (f, what) => {
        if (typeof f !== "function")
            throw new TypeError(`${what}: expected a function`);
        return f;
    };
    const cmpFn = (c) => (typeof c === "function" ? c : (a, b) => compareValues(env, a, b));
    const nonEmpty = (list, what) => {
        if (list.length === 0)
            throw new Error(`${what}: the collection is empty`);
        return list;
    };
    const other = (o) => {
        if (o && typeof o[Symbol.iterator] === "function")
            return Array.from(o);
        throw new TypeError("expected an iterable");
    };
    const linq = {
        Aggregate: (seedOrFn, maybeFn) => {
            const list = items();
            if (typeof seedOrFn === "function") {
                const f = fn(seedOrFn, "Aggregate");
                const [first, ...rest] = nonEmpty(list, "Aggregate");
                return rest.reduce((acc, x) => f(acc, x), first);
            }
            const f = fn(maybeFn, "Aggregate");
            return list.reduce((acc, x) => f(acc, x), seedOrFn);
        },
        All: (p) => items().every((x) => !!fn(p, "All")(x)),
        AllNonError: (p) => items().every((x) => { try {
            return !!fn(p, "AllNonError")(x);
        }
        catch {
            return true;
        } }),
        Any: (p) => (p === undefined ? items().length > 0 : items().some((x) => !!fn(p, "Any")(x))),
        Average: (proj) => {
            const list = nonEmpty(items(), "Average").map((x) => Number(proj ? fn(proj, "Average")(x) : x));
            return list.reduce((a, b) => a + b, 0) / list.length;
        },
        Concat: (o) => derive([...items(), ...other(o)]),
        Contains: (v) => items().some((x) => valueEquals(env, x, v)),
        Count: (p) => env.ordinal(p === undefined ? items().length : items().filter((x) => !!fn(p, "Count")(x)).length),
        Distinct: () => {
            const out = [];
            for (const x of items())
                if (!out.some((y) => valueEquals(env, x, y)))
                    out.push(x);
            return derive(out);
        },
        Except: (o) => { const ex = other(o); return derive(items().filter((x) => !ex.some((y) => valueEquals(env, x, y)))); },
        First: (p) => {
            const list = p === undefined ? items() : items().filter((x) => !!fn(p, "First")(x));
            return nonEmpty(list, "First")[0];
        },
        FirstNonError: () => nonEmpty(items(), "FirstNonError")[0],
        Flatten: (children) => {
            const out = [];
            const visit = (x) => {
                out.push(x);
                const kids = children ? fn(children, "Flatten")(x) : undefined;
                if (kids && typeof kids[Symbol.iterator] === "function")
                    for (const k of kids)
                        visit(k);
            };
            if (children)
                items().forEach(visit);
            else
                for (const x of items()) {
                    const xi = x;
                    if (xi && typeof xi[Symbol.iterator] === "function" && typeof x !== "string")
                        out.push(...xi);
                    else
                        out.push(x);
                }
            return derive(out);
        },
        GroupBy: (keyFn) => {
            const f = fn(keyFn, "GroupBy");
            const groups = [];
            for (const x of items()) {
                const k = f(x);
                const g = groups.find((gr) => valueEquals(env, gr.key, k));
                if (g)
                    g.members.push(x);
                else
                    groups.push({ key: k, members: [x] });
            }
            return derive(groups.map((g) => modelCollection(env, g.members, { display: String(g.key) })), (_g, i) => { const k = groups[i].key; return (typeof k === "number" || typeof k === "string") ? k : String(k); });
        },
        Intersect: (o) => { const os = other(o); return derive(items().filter((x) => os.some((y) => valueEquals(env, x, y)))); },
        Join: (o, outerKey, innerKey, result) => {
            const inner = other(o);
            const ok = fn(outerKey, "Join"), ik = fn(innerKey, "Join"), rf = fn(result, "Join");
            const out = [];
            for (const x of items())
                for (const y of inner)
                    if (valueEquals(env, ok(x), ik(y)))
                        out.push(rf(x, y));
            return derive(out);
        },
        Last: (p) => {
            const list = p === undefined ? items() : items().filter((x) => !!fn(p, "Last")(x));
            return nonEmpty(list, "Last")[list.length - 1];
        },
        LastNonError: () => { const list = nonEmpty(items(), "LastNonError"); return list[list.length - 1]; },
        Max: (proj) => nonEmpty(items(), "Max").map((x) => (proj ? fn(proj, "Max")(x) : x)).reduce((a, b) => (compareValues(env, a, b) >= 0 ? a : b)),
        Min: (proj) => nonEmpty(items(), "Min").map((x) => (proj ? fn(proj, "Min")(x) : x)).reduce((a, b) => (compareValues(env, a, b) <= 0 ? a : b)),
        OrderBy: (keyFn, cmp) => {
            const f = fn(keyFn, "OrderBy"), c = cmpFn(cmp);
            const list = items().map((x, i) => ({ x, i, k: f(x) }));
            list.sort((a, b) => c(a.k, b.k) || a.i - b.i);
            return derive(list.map((e) => e.x), (_x, j) => keyOf(list[j].x, list[j].i));
        },
        OrderByDescending: (keyFn, cmp) => {
            const f = fn(keyFn, "OrderByDescending"), c = cmpFn(cmp);
            const list = items().map((x, i) => ({ x, i, k: f(x) }));
            list.sort((a, b) => c(b.k, a.k) || a.i - b.i);
            return derive(list.map((e) => e.x), (_x, j) => keyOf(list[j].x, list[j].i));
        },
        Reverse: () => derive([...items()].reverse()),
        // Select keeps the source keys (a projected Processes list still shows [0x4], [0x1b4]).
        Select: (proj) => { const f = fn(proj, "Select"); const list = items(); return derive(list.map((x) => f(x)), (_y, i) => keyOf(list[i], i)); },
        SequenceEqual: (o) => { const os = other(o); const list = items(); return list.length === os.length && list.every((x, i) => valueEquals(env, x, os[i])); },
        Single: (p) => {
            const list = p === undefined ? items() : items().filter((x) => !!fn(p, "Single")(x));
            if (list.length !== 1)
                throw new Error(`Single: expected exactly one element, found ${list.length}`);
            return list[0];
        },
        Skip: (n) => derive(items().slice(Number(n))),
        SkipWhile: (p) => { const f = fn(p, "SkipWhile"); const list = items(); let i = 0; while (i < list.length && f(list[i]))
            i++; return derive(list.slice(i)); },
        Sum: (proj) => items().map((x) => (proj ? fn(proj, "Sum")(x) : x)).reduce((a, b) => {
            if (env.int64.is(a) || env.int64.is(b))
                return env.int64.make(env.int64.toBigInt(a) + env.int64.toBigInt(b));
            return Number(a) + Number(b);
        }, 0),
        Take: (n) => { const list = items(); return derive(list.slice(0, Number(n)), (_x, i) => keyOf(list[i], i)); },
        TakeWhile: (p) => { const f = fn(p, "TakeWhile"); const out = []; for (const x of items()) {
            if (!f(x))
                break;
            out.push(x);
        } return derive(out); },
        Union: (o) => {
            const out = [];
            for (const x of [...items(), ...other(o)])
                if (!out.some((y) => valueEquals(env, x, y)))
                    out.push(x);
            return derive(out);
        },
        Where: (p) => {
            const f = fn(p, "Where");
            const list = items();
            const kept = [];
            list.forEach((x, i) => { if (f(x))
                kept.push(i); });
            return derive(kept.map((i) => list[i]), (_x, j) => keyOf(list[kept[j]], kept[j]));
        },
    };
    const base = {
        ...linq,
        getDimensionality: () => 1,
        getValueAt: (...indices) => {
            env.counters.propertyReads++;
            const hit = byKey(indices[0]);
            if (hit === undefined)
                throw new RangeError(`No element at index ${String(indices[0])}`);
            return hit;
        },
        toString: () => options.display ?? `{ Count = ${items().length} }`,
        toArray: () => [...items()],
        [COLLECTION_MARK]: true,
        [Symbol.iterator]: function* () { yield* items(); },
    };
    // Natural keys of the elements, for the dx renderer ([0x4], [0x1b4]).
    Object.defineProperty(base, "__keys", { enumerable: false, value: () => items().map((x, i) => keyOf(x, i)) });
    return new Proxy(base, {
        get(target, prop) {
            if (typeof prop === "string" && !(prop in target) && (/^\d+$/.test(prop) || /^0x[0-9a-f]+$/i.test(prop) || /^-\d+$/.test(prop))) {
                env.counters.propertyReads++;
                return byKey(prop);
            }
            if (typeof prop === "string" && LINQ_NAMES.includes(prop))
                env.counters.other++;
            return target[prop];
        },
        set() { throw new Error("model collections are read-only"); },
    });
}
/** Natural keys of a collection made by `modelCollection`, in iteration order. */
function collectionKeys(c) {
    const k = c?.__keys;
    return typeof k === "function" ? k() : undefined;
}
function isModelCollection(value) {
    return typeof value === "object" && value !== null && value[COLLECTION_MARK] === true;
}

/**
 * The target's virtual address space as the emulator sees it. A target provides an `AddressSpace`;
 * reads of anything not captured fail, as WinDbg's do on a dump.
 */
/** A sparse, in-memory address space made of byte regions (merged when they touch). */
/** Little-endian helpers over byte arrays, shared by the emulator and the builders. */
function readUnsigned(bytes, offset, size) {
    let v = 0n;
    for (let i = size - 1; i >= 0; i--)
        v = (v << 8n) | BigInt(bytes[offset + i]);
    return v;
}
function hex$1(v, width = 0) {
    return "0x" + v.toString(16).padStart(width, "0");
}

const infos = new WeakMap();
const locations = new WeakMap();
/** Internal facts about a native object made by the emulator, or undefined for anything else. */
function nativeInfo(value) {
    return typeof value === "object" && value !== null ? infos.get(value) : undefined;
}
/** The address behind a location object, or undefined. */
function locationAddress(value) {
    return typeof value === "object" && value !== null ? locations.get(value) : undefined;
}
function readFailure(address, length) {
    // The provider's exact text is unconfirmed (reference §12.8); WinDbg prints this for failed reads.
    return new Error(`Unable to read memory at Address ${hex$1(address)} (${length} bytes)`);
}
function readBytesOrThrow(space, address, length) {
    const bytes = space.read(address, length);
    if (!bytes)
        throw readFailure(address, length);
    return bytes;
}
function locationObject(env, address) {
    const loc = {
        add(bytes) { env.counters.other++; return locationObject(env, address + env.int64.toBigInt(bytes)); },
        subtract(bytes) { env.counters.other++; return locationObject(env, address - env.int64.toBigInt(bytes)); },
        toString() { return hex$1(address); },
    };
    locations.set(loc, address);
    return loc;
}
/** Reads an intrinsic at an address: numbers up to 4 bytes, Int64 for 8 bytes. */
function readIntrinsic(env, ctx, type, address) {
    const size = type.size;
    const bytes = readBytesOrThrow(ctx.space, address, size);
    env.counters.memoryReads++;
    const raw = readUnsigned(bytes, 0, size);
    const signed = type.kind === "intrinsic" && type.signed;
    if (type.kind === "intrinsic" && type.float) {
        const view = new DataView(bytes.buffer, bytes.byteOffset, size);
        return size === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
    }
    if (size === 8)
        return env.int64.make(raw, signed);
    if (signed)
        return Number(BigInt.asIntN(size * 8, raw));
    return Number(raw);
}
/** The value of a native type at an address, as it arrives in JavaScript. */
function typedValue(env, ctx, type, address) {
    switch (type.kind) {
        case "intrinsic":
            return readIntrinsic(env, ctx, type, address);
        case "pointer": {
            const bytes = readBytesOrThrow(ctx.space, address, type.size);
            env.counters.memoryReads++;
            return pointerObject(env, ctx, type, readUnsigned(bytes, 0, type.size), address);
        }
        case "array":
            return arrayObject(env, ctx, type, address);
        case "udt":
            return udtObject(env, ctx, type, address);
        case "void":
            return undefined;
    }
}
function readField(env, ctx, base, udt, name) {
    const field = udt.field(name);
    if (!field)
        return undefined;
    const address = base + BigInt(field.offset);
    if (field.bits) {
        const bytes = readBytesOrThrow(ctx.space, address, field.type.size);
        env.counters.memoryReads++;
        const raw = readUnsigned(bytes, 0, field.type.size);
        const v = (raw >> BigInt(field.bits.lsb)) & ((1n << BigInt(field.bits.length)) - 1n);
        return field.bits.length > 32 ? env.int64.make(v) : Number(v);
    }
    return typedValue(env, ctx, field.type, address);
}
/** Members the provider projects onto every native object (reference §5.2). */
function projectedCommon(env, obj, info) {
    // No prototype: `projected.toString` must not find Object.prototype's members.
    return Object.assign(Object.create(null), {
        hostContext: () => info.ctx.hostContext,
        targetLocation: () => {
            if (info.location === undefined)
                throw new Error("Object has no location");
            return locationObject(env, info.location);
        },
        targetType: () => env.typeObject(info.type, info.ctx.table),
        targetSize: () => (env.variant.ordinalsAsInt64 ? env.int64.make(BigInt(info.type.size)) : info.type.size),
        runtimeTypedObject: () => obj,
    });
}
const COMMON_NAMES = ["hostContext", "targetLocation", "targetType", "targetSize", "runtimeTypedObject"];
function udtObject(env, ctx, type, address) {
    const info = { kind: "udt", type, location: address, ctx };
    const methods = {
        getObjectValue: (name) => { env.counters.propertyReads++; return readField(env, ctx, address, type, name); },
        setObjectValue: () => { throw new Error("setObjectValue is not supported by the emulator"); },
        addParentModel: () => { throw new Error("addParentModel is not supported by the emulator"); },
        removeParentModel: () => { throw new Error("removeParentModel is not supported by the emulator"); },
        toString: () => `[Type: ${type.name}]`,
        compareTo: (other) => compareLocations(address, other),
        equals: (other) => compareLocations(address, other) === 0,
    };
    const target = Object.create(null);
    const proxy = new Proxy(target, {
        get(_t, prop) {
            if (typeof prop === "symbol")
                return undefined;
            env.counters.propertyReads++;
            if (prop === "address")
                return env.int64.make(address);
            const common = projected[prop];
            if (common)
                return common();
            if (Object.prototype.hasOwnProperty.call(methods, prop))
                return methods[prop];
            return readField(env, ctx, address, type, prop);
        },
        has(_t, prop) {
            return typeof prop === "string" && (prop === "address" || COMMON_NAMES.includes(prop) || prop in methods || !!type.field(prop));
        },
        ownKeys() { return type.fields.map((f) => f.name); },
        getOwnPropertyDescriptor(_t, prop) {
            if (typeof prop === "string" && type.field(prop)) {
                return { enumerable: true, configurable: true, get: () => proxy[prop] };
            }
            return undefined;
        },
        set() { throw new Error("Cannot write a native field through property assignment in the emulator"); },
    });
    const projected = projectedCommon(env, proxy, info);
    infos.set(proxy, info);
    return proxy;
}
function compareLocations(address, other) {
    const o = nativeInfo(other)?.location ?? locationAddress(other);
    if (o === undefined)
        throw new Error("compareTo: the other value is not a native object");
    return address < o ? -1 : address > o ? 1 : 0;
}
function pointerObject(env, ctx, type, value, location) {
    const info = { kind: "pointer", type, location, value, ctx };
    const deref = () => {
        if (type.target.kind === "void")
            throw new Error("Cannot dereference a void pointer");
        return typedValue(env, ctx, type.target, value);
    };
    const methods = {
        dereference: () => { env.counters.other++; return deref(); },
        add: (n) => {
            env.counters.other++;
            const step = BigInt(Math.max(type.target.size, 1));
            return pointerObject(env, ctx, type, BigInt.asUintN(type.size * 8, value + env.int64.toBigInt(n) * step));
        },
        getObjectValue: (name) => {
            const target = deref();
            return nativeInfo(target) ? target.getObjectValue(name) : undefined;
        },
        toString: () => `${hex$1(value, type.size * 2)} [Type: ${type.name}]`,
        compareTo: (other) => {
            const o = nativeInfo(other)?.value ?? env.int64.toBigInt(other);
            return value < o ? -1 : value > o ? 1 : 0;
        },
        equals: (other) => (nativeInfo(other)?.value ?? env.int64.toBigInt(other)) === value,
    };
    const target = Object.create(null);
    const proxy = new Proxy(target, {
        get(_t, prop) {
            if (typeof prop === "symbol")
                return undefined;
            env.counters.propertyReads++;
            // For pointers, `.address` is the pointer's value (reference §5.2).
            if (prop === "address")
                return env.int64.make(value);
            if (prop === "isNull")
                return value === 0n;
            const common = projected[prop];
            if (common)
                return common();
            if (Object.prototype.hasOwnProperty.call(methods, prop))
                return methods[prop];
            // Auto-dereference: the pointee's members.
            if (type.target.kind === "udt") {
                if (!type.target.field(prop))
                    return undefined;
                return readField(env, ctx, value, type.target, prop);
            }
            return undefined;
        },
        has(_t, prop) {
            return typeof prop === "string" && (prop === "address" || prop === "isNull" || COMMON_NAMES.includes(prop) || prop in methods ||
                (type.target.kind === "udt" && !!type.target.field(prop)));
        },
        set() { throw new Error("Cannot write through a native pointer in the emulator"); },
    });
    const projected = projectedCommon(env, proxy, info);
    infos.set(proxy, info);
    return proxy;
}
function arrayObject(env, ctx, type, address) {
    const info = { kind: "array", type, location: address, ctx };
    const element = (i) => typedValue(env, ctx, type.element, address + BigInt(i * type.element.size));
    const methods = {
        getDimensionality: () => 1,
        getValueAt: (i) => {
            const n = Number(i);
            if (!Number.isInteger(n) || n < 0 || n >= type.count)
                throw new RangeError(`index ${String(i)} out of bounds`);
            return element(n);
        },
        toString: () => `[Type: ${type.name}]`,
    };
    const target = Object.create(null);
    const proxy = new Proxy(target, {
        get(_t, prop) {
            if (prop === Symbol.iterator) {
                return function* () { for (let i = 0; i < type.count; i++)
                    yield element(i); };
            }
            if (typeof prop === "symbol")
                return undefined;
            env.counters.propertyReads++;
            if (prop === "address")
                return env.int64.make(address);
            if (/^\d+$/.test(prop)) {
                const n = Number(prop);
                return n < type.count ? element(n) : undefined;
            }
            const common = projected[prop];
            if (common)
                return common();
            if (Object.prototype.hasOwnProperty.call(methods, prop))
                return methods[prop];
            return undefined;
        },
        set() { throw new Error("Cannot write a native array element in the emulator"); },
    });
    const projected = projectedCommon(env, proxy, info);
    infos.set(proxy, info);
    return proxy;
}

const recordInfos = new WeakMap();
function recordInfo(value) {
    return typeof value === "object" && value !== null ? recordInfos.get(value) : undefined;
}
/** `new host.indexedValue(value, indices)` instances. */
class IndexedValue {
    value;
    indices;
    constructor(value, indices) {
        this.value = value;
        this.indices = indices;
    }
}
/** `new host.metadata.valueWithMetadata(value, metadata)` instances. */
class ValueWithMetadata {
    value;
    metadata;
    constructor(value, metadata) {
        this.value = value;
        this.metadata = metadata;
    }
}
function recordConstructor(kind, arity) {
    const ctor = function (...args) {
        if (!new.target)
            throw new TypeError(`host.${kind[0].toLowerCase()}${kind.slice(1)} must be called with new`);
        if (args.length < arity)
            throw new TypeError(`${kind}: expected at least ${arity} arguments`);
        recordInfos.set(this, { kind, args });
    };
    Object.defineProperty(ctor, "name", { value: kind });
    return ctor;
}
function createScriptHost(dbg, script) {
    const counters = dbg.counters;
    const i64 = dbg.int64;
    const model = dbg.model;
    // Errors the host throws are the script realm's errors, as the provider's are the engine's own.
    const inRealm = (e) => {
        const realm = script.realm;
        if (!realm || !(e instanceof Error))
            return e;
        const Ctor = e instanceof TypeError ? realm.TypeError : e instanceof RangeError ? realm.RangeError : realm.Error;
        return new Ctor(e.message);
    };
    const guard = (f) => {
        const wrapped = function (...args) {
            try {
                return f.apply(this, args);
            }
            catch (e) {
                throw inRealm(e);
            }
        };
        return wrapped;
    };
    const realmArray = (items) => (script.realm ? script.realm.Array.from(items) : items);
    const debugLog = (...args) => {
        counters.other++;
        dbg.writeOutput(args.map((a) => String(a)).join(""));
    };
    const phaseOne = {
        currentApiVersionSupported: { major: 1, minor: 9 },
        currentApiVersionInitialized: { major: 1, minor: 0 },
        diagnostics: { debugLog, logUnhandledExceptions: false },
        metadata: {
            defineMetadata: (target, descriptor) => { counters.other++; dbg.defineMetadata(target, descriptor); },
            valueWithMetadata: ValueWithMetadata,
        },
        typeSignatureRegistration: recordConstructor("TypeSignatureRegistration", 2),
        typeSignatureExtension: recordConstructor("TypeSignatureExtension", 2),
        namedModelRegistration: recordConstructor("NamedModelRegistration", 2),
        namedModelParent: recordConstructor("NamedModelParent", 2),
        functionAlias: recordConstructor("FunctionAlias", 2),
        namespacePropertyParent: recordConstructor("NamespacePropertyParent", 4),
        optionalRecord: recordConstructor("OptionalRecord", 1),
        apiVersionSupport: recordConstructor("ApiVersionSupport", 2),
        resourceFileName: recordConstructor("ResourceFile", 1),
        allowOutsidePropertyWrites: recordConstructor("AllowOutsidePropertyWrites", 0),
        Int64: i64.ctor,
        parseInt64: guard((s, radix) => { counters.other++; return i64.parse(s, radix); }),
    };
    // ---- phase 2 ----
    const contextOf = (ctx) => {
        const info = nativeInfo(ctx);
        const viaHost = model.contextOfHostContext(info ? info.ctx.hostContext : ctx);
        if (viaHost)
            return viaHost;
        const viaModel = dbg.processContextOfModelObject(ctx);
        return viaModel ?? model.processContext(model.currentProcessSpec());
    };
    const toAddress = (location) => {
        if (i64.is(location))
            return location.bits;
        if (typeof location === "number") {
            if (!Number.isInteger(location) || location < 0)
                throw new TypeError(`invalid address ${location}`);
            return BigInt(location);
        }
        const loc = locationAddress(location);
        if (loc !== undefined)
            return loc;
        const info = nativeInfo(location);
        if (info) {
            if (info.kind === "pointer")
                return info.value;
            if (info.location !== undefined)
                return info.location;
        }
        throw new TypeError("expected an address (number, Int64, location or native object)");
    };
    const moduleOf = (c, m) => {
        if (typeof m === "string")
            return c.modules.byName(m);
        const spec = dbg.moduleSpecOfModelObject(m);
        return spec;
    };
    const typeOf = (c, moduleArg, typeName) => {
        const m = moduleOf(c, moduleArg);
        const table = m ? c.modules.types(m) : undefined;
        let type = table?.resolve(typeName);
        if (table && type)
            return { type, table };
        // Intrinsic and pointer-to-intrinsic types exist without module types (e.g. "void*", "ULONG").
        const basic = intrinsicTable(dbg.target.pointerSize);
        type = m ? basic.resolve(typeName) : undefined;
        return type ? { type, table: basic } : undefined;
    };
    const notFound = (what) => {
        // API 1.1+: getModuleSymbol/getModuleType return null instead of throwing (reference §3.1).
        if (script.apiVersion >= 1.1)
            return null;
        throw new Error(what);
    };
    const readStringImpl = (wide, location, a, b) => {
        counters.memoryReads++;
        const length = typeof a === "number" ? a : undefined;
        const ctxArg = typeof a === "number" ? b : a;
        const info = nativeInfo(location);
        if (info && info.kind === "pointer" && info.type.kind === "pointer") {
            const target = info.type.target;
            // The provider validates that the pointee is a character type, not just its size (reference §4.4).
            const ok = target.kind === "intrinsic" && target.char === (wide ? "wide" : "narrow");
            if (!ok)
                throw new TypeError(`${wide ? "readWideString" : "readString"}: the object's type ${info.type.name} is not a ${wide ? "wide " : ""}character pointer`);
        }
        const address = toAddress(location);
        const c = contextOf(ctxArg ?? location);
        const unit = wide ? 2 : 1;
        const codes = [];
        const limit = length ?? 0x100000;
        let cursor = address;
        while (codes.length < limit) {
            const n = Math.min(256, limit - codes.length);
            let bytes = c.space.read(cursor, n * unit);
            if (!bytes) {
                // Read as far as memory goes (string ends at a page boundary); fail if nothing at all is readable.
                let k = n;
                while (k > 0 && !bytes) {
                    k = k >> 1;
                    bytes = k > 0 ? c.space.read(cursor, k * unit) : undefined;
                }
                if (!bytes) {
                    if (codes.length === 0)
                        throw readFailure(cursor, unit);
                    break;
                }
            }
            let ended = false;
            for (let i = 0; i + unit <= bytes.length; i += unit) {
                const code = wide ? bytes[i] | (bytes[i + 1] << 8) : bytes[i];
                if (code === 0 && length === undefined) {
                    ended = true;
                    break;
                }
                codes.push(code);
                if (codes.length >= limit)
                    break;
            }
            if (ended)
                break;
            cursor += BigInt(bytes.length);
            // A short read is not the end: the next round reads on until memory really stops.
        }
        let out = "";
        for (let i = 0; i < codes.length; i += 4096)
            out += String.fromCharCode(...codes.slice(i, i + 4096));
        return out;
    };
    const symbolInformation = (location, ctx) => {
        counters.symbolLookups++;
        const address = toAddress(location);
        const c = contextOf(ctx ?? location);
        const hit = c.modules.symbolAt(address);
        if (!hit) {
            if (dbg.variant.noSymbolInformation === "null")
                return null;
            throw new Error(`No symbol information for address 0x${address.toString(16)}`);
        }
        const info = {
            name: hit.symbol.name,
            address: i64.make(hit.address),
            type: null,
            value: undefined,
            toString: () => hit.qualifiedName,
        };
        return Object.freeze(info);
    };
    const phaseTwo = {
        namespace: () => ({ Debugger: model.root() }),
        currentSession: () => model.session(),
        currentProcess: () => model.process(model.currentProcessSpec()),
        currentThread: () => {
            const p = model.currentProcessSpec();
            const t = model.currentThreadSpec();
            return t ? model.thread(p, t) : undefined;
        },
        evaluateExpression: () => (expr, ctx) => { counters.other++; return dbg.evaluateTargetExpression(expr, contextOf(ctx)); },
        evaluateExpressionInContext: () => (ctx, expr) => { counters.other++; return dbg.evaluateTargetExpression(expr, contextOf(ctx)); },
        getModuleSymbol: () => (moduleArg, symbolName, a, b) => {
            counters.symbolLookups++;
            const typeName = typeof a === "string" ? a : undefined;
            const c = contextOf(typeof a === "string" ? b : a);
            const m = moduleOf(c, moduleArg);
            const sym = m ? c.modules.symbolByName(m, symbolName) : undefined;
            if (!m || !sym)
                return notFound(`Could not find symbol ${String(moduleArg)}!${symbolName}`);
            const t = typeOf(c, m.name, typeName ?? sym.type ?? "");
            if (!t) {
                if (typeName)
                    return notFound(`Could not find type ${typeName} for ${symbolName}`);
                throw new Error(`No type information for ${symbolName}; public symbols need an explicit type name`);
            }
            counters.objectCreations++;
            return typedValue(dbg.nativeEnv, model.nativeContext(c, t.table), t.type, m.base + BigInt(sym.rva));
        },
        getModuleSymbolAddress: () => (moduleArg, symbolName, a, b) => {
            counters.symbolLookups++;
            const c = contextOf(typeof a === "string" ? b : a);
            const m = moduleOf(c, moduleArg);
            const sym = m ? c.modules.symbolByName(m, symbolName) : undefined;
            // Unconfirmed whether this throws or returns null when missing; throwing is the stricter reading.
            if (!m || !sym)
                throw new Error(`Could not find symbol ${String(moduleArg)}!${symbolName}`);
            return i64.make(m.base + BigInt(sym.rva));
        },
        setModuleSymbol: () => () => { throw new Error("setModuleSymbol is not supported by the emulator"); },
        getModuleContainingSymbol: () => (location, ctx) => {
            counters.symbolLookups++;
            const c = contextOf(ctx ?? location);
            const hit = c.modules.symbolAt(toAddress(location));
            const table = hit ? c.modules.types(hit.module) : undefined;
            const type = hit?.symbol.type ? table?.resolve(hit.symbol.type) : undefined;
            // Only works with private symbols (reference §4.2).
            if (!hit || !table || !type)
                throw new Error("getModuleContainingSymbol needs private symbols for this address");
            return typedValue(dbg.nativeEnv, model.nativeContext(c, table), type, hit.address);
        },
        getModuleContainingSymbolInformation: () => symbolInformation,
        getModuleType: () => (moduleArg, typeName, ctx) => {
            counters.typeLookups++;
            const c = contextOf(ctx);
            const t = typeOf(c, moduleArg, typeName);
            if (!t)
                return notFound(`Could not find type ${typeName} in ${String(moduleArg)}`);
            return dbg.typeObject(t.type, t.table);
        },
        createInstance: () => () => { throw new Error("host.createInstance is undocumented and not emulated"); },
        createPointerObject: () => (location, moduleOrType, a, b) => {
            counters.objectCreations++;
            const address = toAddress(location);
            const fromType = dbg.emuTypeOfTypeObject(moduleOrType);
            const c = contextOf(fromType ? a : b);
            let resolved = fromType ? { type: fromType.type, table: fromType.table } : typeOf(c, moduleOrType, String(a));
            if (!resolved)
                throw new Error(`Could not find type ${String(a)} in ${String(moduleOrType)}`);
            if (resolved.type.kind !== "pointer") {
                const ptr = resolved.table.resolve(resolved.type.name + "*");
                if (!ptr)
                    throw new Error(`Cannot make a pointer to ${resolved.type.name}`);
                resolved = { type: ptr, table: resolved.table };
            }
            return pointerObject(dbg.nativeEnv, model.nativeContext(c, resolved.table), resolved.type, address);
        },
        createTypedObject: () => (location, moduleOrType, a, b) => {
            counters.objectCreations++;
            const address = toAddress(location);
            const fromType = dbg.emuTypeOfTypeObject(moduleOrType);
            const c = contextOf(fromType ? a : b ?? location);
            const resolved = fromType ?? typeOf(c, moduleOrType, String(a));
            if (!resolved)
                throw new Error(`Could not find type ${String(a)} in ${String(moduleOrType)}`);
            return typedValue(dbg.nativeEnv, model.nativeContext(c, resolved.table), resolved.type, address);
        },
        indexedValue: () => IndexedValue,
        getNamedModel: () => (name) => { counters.other++; return dbg.models.registered(name) ?? Object.freeze({ toString: () => `[stub model ${name}]` }); },
        registerNamedModel: () => (obj, name) => { counters.other++; script.imperativeUndo.push(dbg.models.register(name, obj)); },
        unregisterNamedModel: () => () => { counters.other++; },
        registerPrototypeForTypeSignature: () => () => { counters.other++; },
        registerExtensionForTypeSignature: () => () => { counters.other++; },
        unregisterPrototypeForTypeSignature: () => () => { counters.other++; },
        unregisterExtensionForTypeSignature: () => () => { counters.other++; },
        resourceLookup: () => () => { throw new Error("host.resourceLookup is undocumented and not emulated"); },
        memory: () => memory,
        typeSystem: () => typeSystem,
    };
    const memory = {
        readMemoryValues(location, numElements, elementSize = 1, isSigned = false, ctx) {
            counters.memoryReads++;
            if (![1, 2, 4, 8].includes(elementSize))
                throw new RangeError("readMemoryValues: element size must be 1, 2, 4 or 8");
            if (!Number.isInteger(numElements) || numElements < 0)
                throw new RangeError("readMemoryValues: invalid element count");
            const address = toAddress(location);
            const c = contextOf(ctx ?? location);
            const bytes = model.read(c, address, numElements * elementSize);
            const copy = new Uint8Array(bytes); // aligned, detached from the target's buffer
            const signed = !!isSigned;
            if (elementSize === 8) {
                const view = new DataView(copy.buffer);
                const out = new Array(numElements);
                for (let i = 0; i < numElements; i++) {
                    out[i] = i64.make(view.getBigUint64(i * 8, true), signed);
                }
                return realmArray(out);
            }
            // Typed arrays of the script's realm over a private copy of the bytes.
            const r = script.realm ?? { Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array };
            let arr;
            if (elementSize === 1)
                arr = signed ? new r.Int8Array(copy.buffer) : new r.Uint8Array(copy.buffer);
            else if (elementSize === 2)
                arr = signed ? new r.Int16Array(copy.buffer) : new r.Uint16Array(copy.buffer);
            else
                arr = signed ? new r.Int32Array(copy.buffer) : new r.Uint32Array(copy.buffer);
            return dbg.variant.readMemoryPlainArrays ? realmArray(Array.from(arr)) : arr;
        },
        writeMemoryValues(location, numElements, elements, elementSize = 1, _isSigned, ctx) {
            counters.memoryReads++;
            const address = toAddress(location);
            const c = contextOf(ctx ?? location);
            const list = numElements === 1 && (typeof elements === "number" || i64.is(elements)) ? [elements] : Array.from(elements);
            const bytes = new Uint8Array(numElements * elementSize);
            for (let i = 0; i < numElements; i++) {
                const v = i64.toBigInt(list[i]);
                if (elementSize < 8 && v >= 1n << BigInt(elementSize * 8))
                    throw new RangeError("writeMemoryValues: value does not fit the element size");
                for (let k = 0; k < elementSize; k++)
                    bytes[i * elementSize + k] = Number((v >> BigInt(8 * k)) & 0xffn);
            }
            if (!c.space.write || !c.space.write(address, bytes))
                throw new Error(`Unable to write memory at Address 0x${address.toString(16)}`);
        },
        readString(location, a, b) { return readStringImpl(false, location, a, b); },
        readWideString(location, a, b) { return readStringImpl(true, location, a, b); },
        physicalAddress() { throw new Error("physical memory is not available on this target"); },
        collectGarbage() { counters.other++; },
    };
    const typeSystem = {
        marshalAs: (value) => value,
        arrayDimension: function (lowerBound, length, stride) {
            this.lowerBound = lowerBound;
            this.length = length;
            this.stride = stride;
        },
        pointerKind: Object.freeze({ standard: 0, reference: 1, rValueReference: 2, cxHat: 3 }),
    };
    for (const k of Object.keys(memory)) {
        memory[k] = guard(memory[k]);
    }
    const host = {};
    for (const [k, v] of Object.entries(phaseOne))
        host[k] = v;
    if (dbg.variant.phaseOneMembers === "throw") {
        for (const name of Object.keys(phaseTwo)) {
            Object.defineProperty(host, name, {
                configurable: true, enumerable: true,
                get() { throw new Error(`host.${name} is not available during script initialization`); },
            });
        }
    }
    return {
        host,
        enterPhase2() {
            for (const [name, make] of Object.entries(phaseTwo)) {
                const isValue = name === "currentSession" || name === "currentProcess" || name === "currentThread" || name === "namespace";
                if (isValue) {
                    Object.defineProperty(host, name, { configurable: true, enumerable: true, get() { counters.propertyReads++; return make(); } });
                }
                else {
                    const value = make();
                    const guarded = typeof value === "function" && name !== "indexedValue" ? guard(value) : value;
                    Object.defineProperty(host, name, { configurable: true, enumerable: true, writable: false, value: guarded });
                }
            }
        },
    };
}

/** Keys a model object shows, for the dx renderer. */
const MODEL_KEYS = Symbol("ewmda.emulator.modelKeys");
/** Names of the models an object belongs to. */
const MODEL_NAMES = Symbol("ewmda.emulator.modelNames");
class NamedModels {
    counters;
    parents = new Map();
    subNamespaces = new Map();
    registrations = new Map();
    /** Sub-namespace objects, one per (owner object, access name), so `Debugger.Utility.Ewmda` is stable. */
    subObjects = new WeakMap();
    constructor(counters) {
        this.counters = counters;
    }
    addParent(modelName, parent) {
        const list = this.parents.get(modelName) ?? [];
        list.push(parent);
        this.parents.set(modelName, list);
        return () => {
            const l = this.parents.get(modelName);
            if (l)
                l.splice(l.indexOf(parent), 1);
        };
    }
    register(modelName, model) {
        if (this.registrations.has(modelName))
            throw new Error(`A model named '${modelName}' is already registered`);
        this.registrations.set(modelName, model);
        return () => { this.registrations.delete(modelName); };
    }
    registered(modelName) {
        return this.registrations.get(modelName);
    }
    addSubNamespace(parentModelName, subModelName, accessName, parent) {
        const subs = this.subNamespaces.get(parentModelName) ?? [];
        const existing = subs.find((s) => s.accessName === accessName);
        if (existing && existing.subModelName !== subModelName) {
            throw new Error(`'${accessName}' on ${parentModelName} is already the sub-namespace ${existing.subModelName}`);
        }
        const added = !existing;
        if (added)
            subs.push({ accessName, subModelName });
        this.subNamespaces.set(parentModelName, subs);
        const undoParent = this.addParent(subModelName, parent);
        return () => {
            undoParent();
            if (added) {
                const l = this.subNamespaces.get(parentModelName);
                if (l)
                    l.splice(l.findIndex((s) => s.accessName === accessName), 1);
            }
        };
    }
    /**
     * Makes a model object: built-in keys from `own` (getters, counted as property reads), then
     * sub-namespaces and parent models registered for any of `modelNames`, most recent first.
     */
    object(modelNames, own, display) {
        const self = this;
        const target = Object.create(null);
        const proxy = new Proxy(target, {
            get(_t, prop, receiver) {
                if (prop === MODEL_KEYS)
                    return () => self.keysOf(modelNames, own);
                if (prop === MODEL_NAMES)
                    return modelNames;
                if (prop === "toString" && !Object.prototype.hasOwnProperty.call(own, "toString")) {
                    // A parent model's own toString is the display string (IStringDisplayableConcept).
                    const custom = self.lookup(modelNames, "toString", receiver);
                    if (custom.found && typeof custom.value === "function")
                        return custom.value.bind(receiver);
                    return () => (display ? display() : `[${modelNames[0] ?? "object"}]`);
                }
                if (typeof prop === "symbol") {
                    // Parent models can carry symbol-keyed protocol members ([Symbol.metadataDescriptor]).
                    for (const name of modelNames) {
                        const parents = self.parents.get(name) ?? [];
                        for (let i = parents.length - 1; i >= 0; i--) {
                            const d = findDescriptor(parents[i], prop);
                            if (d)
                                return d.get ? d.get.call(receiver) : d.value;
                        }
                    }
                    return undefined;
                }
                if (Object.prototype.hasOwnProperty.call(own, prop)) {
                    self.counters.propertyReads++;
                    return own[prop]();
                }
                const found = self.lookup(modelNames, prop, receiver);
                if (found.found)
                    self.counters.propertyReads++;
                return found.value;
            },
            has(_t, prop) {
                if (typeof prop !== "string")
                    return false;
                return Object.prototype.hasOwnProperty.call(own, prop) || self.lookup(modelNames, prop, proxy, true).found;
            },
            set(_t, prop, value) {
                // Writable only through parent models' setters.
                if (typeof prop === "string") {
                    for (const name of modelNames) {
                        for (const p of [...(self.parents.get(name) ?? [])].reverse()) {
                            const d = findDescriptor(p, prop);
                            if (d?.set) {
                                d.set.call(proxy, value);
                                return true;
                            }
                        }
                    }
                }
                throw new Error(`Cannot set '${String(prop)}' on a data model object`);
            },
        });
        return proxy;
    }
    lookup(modelNames, prop, receiver, probeOnly = false) {
        for (const name of modelNames) {
            const sub = this.subNamespaces.get(name)?.find((s) => s.accessName === prop);
            if (sub) {
                if (probeOnly)
                    return { found: true };
                let perOwner = this.subObjects.get(receiver);
                if (!perOwner) {
                    perOwner = new Map();
                    this.subObjects.set(receiver, perOwner);
                }
                let obj = perOwner.get(prop);
                if (!obj) {
                    obj = this.object([sub.subModelName], {}, () => "");
                    perOwner.set(prop, obj);
                }
                return { found: true, value: obj };
            }
            const parents = this.parents.get(name) ?? [];
            for (let i = parents.length - 1; i >= 0; i--) {
                const p = parents[i];
                if (prop === "constructor" || prop.startsWith("__"))
                    continue;
                const d = findDescriptor(p, prop);
                // Object.prototype's toString (of either realm) is not a custom display string.
                if (prop === "toString" && d && isBaseToString(d.value))
                    continue;
                if (!d)
                    continue;
                if (probeOnly)
                    return { found: true };
                if (d.get)
                    return { found: true, value: d.get.call(receiver) };
                return { found: true, value: d.value };
            }
        }
        return { found: false };
    }
    keysOf(modelNames, own) {
        const keys = Object.keys(own).filter((k) => k !== "toString");
        for (const name of modelNames) {
            for (const s of this.subNamespaces.get(name) ?? [])
                if (!keys.includes(s.accessName))
                    keys.push(s.accessName);
            for (const p of this.parents.get(name) ?? []) {
                for (const k of allKeys(p))
                    if (!keys.includes(k))
                        keys.push(k);
            }
        }
        return keys;
    }
}
/** Own and inherited string keys of a JS object, without Object.prototype's, `constructor` or `__` names. */
function allKeys(obj) {
    const out = [];
    for (let o = obj; o && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
        // Objects from another realm (the script's vm context) have their own Object.prototype.
        if (Object.getPrototypeOf(o) === null && Object.prototype.hasOwnProperty.call(o, "hasOwnProperty"))
            break;
        for (const k of Object.getOwnPropertyNames(o)) {
            if (k === "constructor" || k === "toString" || k.startsWith("__") || out.includes(k))
                continue;
            out.push(k);
        }
    }
    return out;
}
function isBaseToString(f) {
    return typeof f === "function" && /\[native code\]/.test(Function.prototype.toString.call(f)) && f.name === "toString";
}
function findDescriptor(obj, prop) {
    for (let o = obj; o; o = Object.getPrototypeOf(o)) {
        if (Object.getPrototypeOf(o) === null && Object.prototype.hasOwnProperty.call(o, "hasOwnProperty"))
            return undefined;
        const d = Object.getOwnPropertyDescriptor(o, prop);
        if (d)
            return d;
    }
    return undefined;
}

/**
 * A small `dx`: evaluates the expressions users type against the emulated data model and renders
 * values the way dx shows them (reference §5.5, §10): display strings, keys without `__` names,
 * iterable children with `indexedValue` indices, LINQ projected onto script-returned iterables,
 * `-g` grids, `-v` help text from metadata.
 *
 * Grammar (enough for the documented forms): `@$var = expr`, member access, calls, indexing,
 * numbers (hex, decimal, backtick), strings, true/false, `new { A = expr, ... }`, lambdas
 * `x => expr` and `(x, y) => expr`, comparisons, `&&`, `||`, `!`, `+`, `-`, `*`, `/`, `%`.
 */
function tokenize(src) {
    const out = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        if (c === "@" && src[i + 1] === "$") {
            const m = /^@\$([A-Za-z_]\w*)/.exec(src.slice(i));
            if (!m)
                throw new Error(`Syntax error at '${src.slice(i)}'`);
            out.push({ t: "var", v: m[1] });
            i += m[0].length;
            continue;
        }
        if (/[0-9]/.test(c)) {
            const m = /^(0x[0-9a-f`]+|[0-9]+)/i.exec(src.slice(i));
            const text = m[0].replace(/`/g, "");
            out.push({ t: "num", v: BigInt(text) });
            i += m[0].length;
            continue;
        }
        if (c === '"') {
            let j = i + 1;
            let s = "";
            while (j < src.length && src[j] !== '"') {
                if (src[j] === "\\" && j + 1 < src.length) {
                    s += src[j + 1];
                    j += 2;
                }
                else
                    s += src[j++];
            }
            if (j >= src.length)
                throw new Error("Syntax error: unterminated string");
            out.push({ t: "str", v: s });
            i = j + 1;
            continue;
        }
        if (/[A-Za-z_]/.test(c)) {
            const m = /^[A-Za-z_]\w*/.exec(src.slice(i));
            out.push({ t: "id", v: m[0] });
            i += m[0].length;
            continue;
        }
        const two = src.slice(i, i + 2);
        if (["==", "!=", "<=", ">=", "&&", "||", "=>"].includes(two)) {
            out.push({ t: "op", v: two });
            i += 2;
            continue;
        }
        if ("().[],={}<>!+-*/%".includes(c)) {
            out.push({ t: "op", v: c });
            i++;
            continue;
        }
        throw new Error(`Syntax error at '${src.slice(i)}'`);
    }
    out.push({ t: "end" });
    return out;
}
function evaluateDx(dbg, source) {
    const toks = tokenize(source);
    let p = 0;
    const peek = () => toks[p];
    const isOp = (v) => { const t = peek(); return t.t === "op" && t.v === v; };
    const expect = (v) => { if (!isOp(v))
        throw new Error(`Syntax error: expected '${v}' in '${source}'`); p++; };
    const statement = () => {
        const t = peek();
        if (t.t === "var" && toks[p + 1]?.t === "op" && toks[p + 1].v === "=") {
            p += 2;
            const rhs = expression();
            return (scope) => { const v = rhs(scope); dbg.userVariables.set(t.v, v); return v; };
        }
        // `expr.Member = value`: assignment to a property (settings such as @$ewmda.Config.RawStack.MaxRows).
        const start = p;
        try {
            const target = postfixRef();
            if (target.set && isOp("=") && !(toks[p + 1]?.t === "op" && toks[p + 1].v === "=")) {
                p++;
                const rhs = expression();
                const set = target.set;
                return (scope) => { const v = rhs(scope); set(scope, v); return v; };
            }
        }
        catch {
            // not an assignment target; parse as an expression below
        }
        p = start;
        return expression();
    };
    const expression = () => lambdaOr();
    const lambdaOr = () => {
        // x => expr   |   (x, y) => expr
        const t = peek();
        if (t.t === "id" && toks[p + 1]?.t === "op" && toks[p + 1].v === "=>") {
            p += 2;
            return makeLambda([t.v], expression());
        }
        if (isOp("(")) {
            let q = p + 1;
            const names = [];
            while (toks[q]?.t === "id") {
                names.push(toks[q].v);
                q++;
                if (toks[q]?.t === "op" && toks[q].v === ",")
                    q++;
                else
                    break;
            }
            if (toks[q]?.t === "op" && toks[q].v === ")" && toks[q + 1]?.t === "op" && toks[q + 1].v === "=>") {
                p = q + 2;
                return makeLambda(names, expression());
            }
        }
        return or();
    };
    const makeLambda = (names, body) => (scope) => (...args) => {
        const inner = new Map(scope);
        names.forEach((n, i) => inner.set(n, args[i]));
        return body(inner);
    };
    const binary = (next, ops, apply) => () => {
        let left = next();
        while (peek().t === "op" && ops.includes(peek().v)) {
            const op = toks[p++].v;
            const right = next();
            const l = left;
            left = (scope) => apply(op, l(scope), right(scope));
        }
        return left;
    };
    const cmp = (a, b) => {
        const i64 = dbg.int64;
        if ((typeof a === "number" || i64.is(a)) && (typeof b === "number" || i64.is(b))) {
            const x = typeof a === "number" ? BigInt(Math.trunc(a)) : a.bits;
            const y = typeof b === "number" ? BigInt(Math.trunc(b)) : b.bits;
            return x < y ? -1 : x > y ? 1 : 0;
        }
        const s = String(a), u = String(b);
        return s < u ? -1 : s > u ? 1 : 0;
    };
    const unary = () => {
        if (isOp("!")) {
            p++;
            const inner = unary();
            return (s) => !inner(s);
        }
        if (isOp("-")) {
            p++;
            const inner = unary();
            return (s) => { const v = inner(s); return typeof v === "number" ? -v : dbg.int64.make(-dbg.int64.toBigInt(v), true); };
        }
        return postfix();
    };
    // `g_array1D.Select(n => n * 3)` (reference §5.4): integer arithmetic on ordinals, exact to 64 bits.
    const multiplicative = binary(unary, ["*", "/", "%"], (op, a, b) => {
        if (typeof a === "number" && typeof b === "number" && !(Number.isInteger(a) && Number.isInteger(b))) {
            return op === "*" ? a * b : op === "/" ? a / b : a % b;
        }
        const i64 = dbg.int64;
        const x = typeof a === "number" ? BigInt(a) : i64.toBigInt(a);
        const y = typeof b === "number" ? BigInt(b) : i64.toBigInt(b);
        if (op !== "*" && y === 0n)
            throw new Error("Division by zero");
        const r = op === "*" ? x * y : op === "/" ? x / y : x % y;
        return r > -(2n ** 53n) && r < 2n ** 53n ? Number(r) : i64.make(r);
    });
    const additive = binary(multiplicative, ["+", "-"], (op, a, b) => {
        if (typeof a === "string" || typeof b === "string")
            return op === "+" ? String(a) + String(b) : NaN;
        const i64 = dbg.int64;
        const x = i64.toBigInt(a), y = i64.toBigInt(b);
        const r = op === "+" ? x + y : x - y;
        return r >= 0n && r < 2n ** 53n ? Number(r) : i64.make(r);
    });
    const relational = binary(additive, ["<", ">", "<=", ">="], (op, a, b) => {
        const c = cmp(a, b);
        return op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0;
    });
    const equality = binary(relational, ["==", "!="], (op, a, b) => {
        const eq = (a === b) || ((typeof a === "number" || dbg.int64.is(a)) && (typeof b === "number" || dbg.int64.is(b)) && cmp(a, b) === 0);
        return op === "==" ? eq : !eq;
    });
    const and = binary(equality, ["&&"], (_op, a, b) => !!a && !!b);
    const or = binary(and, ["||"], (_op, a, b) => !!a || !!b);
    const postfix = () => postfixRef().get;
    const postfixRef = () => {
        let ref = primary();
        for (;;) {
            if (isOp(".")) {
                p++;
                const t = toks[p++];
                if (t.t !== "id")
                    throw new Error(`Syntax error: expected a name after '.' in '${source}'`);
                const base = ref;
                const name = t.v;
                ref = {
                    set: (s, v) => {
                        const obj = base.get(s);
                        if (obj === null || typeof obj !== "object")
                            throw new Error(`Cannot set '${name}' on a value with no object`);
                        obj[name] = v;
                    },
                    get: (s) => member(dbg, base.get(s), name),
                    call: (s, args) => {
                        const recv = base.get(s);
                        const fn = member(dbg, recv, name);
                        if (typeof fn !== "function")
                            throw new Error(`'${name}' is not a method`);
                        return fn.apply(projectLinq(dbg, recv, name), args);
                    },
                };
            }
            else if (isOp("(")) {
                p++;
                const args = [];
                while (!isOp(")")) {
                    args.push(expression());
                    if (isOp(","))
                        p++;
                    else
                        break;
                }
                expect(")");
                const target = ref;
                const node = (s) => {
                    const values = args.map((a) => a(s));
                    if (target.call)
                        return target.call(s, values);
                    const fn = target.get(s);
                    if (typeof fn !== "function")
                        throw new Error("Value is not callable");
                    return fn(...values);
                };
                ref = { get: node };
            }
            else if (isOp("[")) {
                p++;
                const idx = expression();
                expect("]");
                const base = ref;
                ref = { get: (s) => index(dbg, base.get(s), idx(s)) };
            }
            else {
                return ref;
            }
        }
    };
    const primary = () => {
        const t = toks[p++];
        switch (t.t) {
            case "num":
                return { get: () => (t.v < 2n ** 53n ? Number(t.v) : dbg.int64.make(t.v)) };
            case "str":
                return { get: () => t.v };
            case "var":
                return {
                    get: () => variable(dbg, t.v, false),
                    call: (_s, args) => {
                        const fn = variable(dbg, t.v, true);
                        if (typeof fn !== "function")
                            throw new Error(`@$${t.v} is not callable`);
                        return fn(...args);
                    },
                };
            case "id": {
                if (t.v === "true" || t.v === "false")
                    return { get: () => t.v === "true" };
                if (t.v === "Debugger")
                    return { get: () => dbg.model.root() };
                if (t.v === "new" && isOp("{")) {
                    p++;
                    const fields = [];
                    while (!isOp("}")) {
                        const n = toks[p++];
                        if (n.t !== "id")
                            throw new Error("Syntax error in anonymous object");
                        expect("=");
                        fields.push([n.v, expression()]);
                        if (isOp(","))
                            p++;
                        else
                            break;
                    }
                    expect("}");
                    return { get: (s) => Object.freeze(Object.fromEntries(fields.map(([k, v]) => [k, v(s)]))) };
                }
                return { get: (s) => { if (s.has(t.v))
                        return s.get(t.v); throw new Error(`Couldn't resolve error at '${t.v}'`); } };
            }
            case "op":
                if (t.v === "(") {
                    const inner = expression();
                    expect(")");
                    return { get: inner };
                }
                throw new Error(`Syntax error at '${t.v}' in '${source}'`);
            default:
                throw new Error(`Syntax error: unexpected end of '${source}'`);
        }
    };
    const node = statement();
    if (peek().t !== "end")
        throw new Error(`Syntax error: unexpected text after the expression in '${source}'`);
    return node(new Map());
}
function variable(dbg, name, calling) {
    const alias = dbg.aliases.get(name)?.fn;
    const hasVar = dbg.userVariables.has(name);
    if (calling && alias && (dbg.variant.aliasVersusVariable === "alias-first" || !hasVar))
        return alias;
    if (hasVar)
        return dbg.userVariables.get(name);
    const builtin = (dbg.model.root().State.DebuggerVariables)[name];
    if (builtin !== undefined)
        return builtin;
    if (alias)
        return alias;
    throw new Error(`Couldn't resolve error at '@$${name}'`);
}
const STRING_MEMBERS = {
    Length: (s) => s.length,
    Contains: (s) => (x) => s.includes(x),
    StartsWith: (s) => (x) => s.startsWith(x),
    EndsWith: (s) => (x) => s.endsWith(x),
    ToLower: (s) => () => s.toLowerCase(),
    ToUpper: (s) => () => s.toUpperCase(),
    IndexOf: (s) => (x) => s.indexOf(x),
};
const LINQ = new Set(["Aggregate", "All", "Any", "Average", "Concat", "Contains", "Count", "Distinct", "First", "Flatten", "GroupBy",
    "Last", "Max", "Min", "OrderBy", "OrderByDescending", "Reverse", "Select", "Single", "Skip", "Sum", "Take", "Where", "Except", "Intersect", "Union"]);
/** dx projects LINQ onto anything iterable that a script returns (reference §5.4). */
function projectLinq(dbg, value, name) {
    if (!LINQ.has(name) || isModelCollection(value) || !isIterable(value))
        return value;
    if (typeof value[name] === "function")
        return value;
    const items = children(dbg, value);
    return modelCollection(dbg.collectionEnv, items.map((c) => c.value), { keyOf: (_v, i) => keyOfIndex(items[i].index) });
}
function keyOfIndex(index) {
    const k = index[0];
    return typeof k === "number" || typeof k === "string" ? k : String(k);
}
function member(dbg, value, name) {
    if (value === undefined || value === null)
        throw new Error(`Couldn't resolve '.${name}' on a value with no object`);
    if (typeof value === "string") {
        const m = STRING_MEMBERS[name];
        if (m)
            return m(value);
        throw new Error(`String has no member '${name}'`);
    }
    if (name.startsWith("__"))
        throw new Error(`Couldn't resolve '${name}': names starting with __ are private`);
    const projected = projectLinq(dbg, value, name);
    if (projected !== value)
        return projected[name];
    if (value instanceof ValueWithMetadata)
        return member(dbg, value.value, name);
    const v = value[name];
    if (v === undefined && !(name in value))
        throw new Error(`Couldn't resolve '.${name}'`);
    return v instanceof ValueWithMetadata ? v.value : v;
}
function index(dbg, value, key) {
    if (isModelCollection(value))
        return value.getValueAt(key);
    const v = value;
    if (typeof v?.getValueAt === "function")
        return v.getValueAt.call(value, key);
    if (isIterable(value)) {
        const want = dbg.int64.is(key) ? Number(key.bits) : key;
        for (const c of children(dbg, value))
            if (c.index.length === 1 && c.index[0] === want)
                return c.value;
    }
    throw new Error(`Index ${String(key)} is out of bounds or not indexable`);
}
function isIterable(v) {
    return typeof v === "object" && v !== null && typeof v[Symbol.iterator] === "function";
}
/** Elements of an iterable value with their indices (explicit `indexedValue` indices or ordinals). */
function children(dbg, value) {
    if (!isIterable(value) || typeof value === "string")
        return [];
    const keys = collectionKeys(value);
    const out = [];
    let i = 0;
    for (const item of value) {
        if (item instanceof IndexedValue)
            out.push({ index: [...item.indices], value: item.value });
        else
            out.push({ index: [keys ? keys[i] : i], value: item });
        i++;
    }
    return out;
}
const PROTOCOL = new Set(["getDimensionality", "getValueAt", "setValueAt", "compareTo", "equals", "getPreferredRuntimeTypedObject", "toString", "valueOf"]);
/** The keys dx shows for a value: [name, kind] where kind is "property" or "method". */
function keysOf(dbg, value) {
    if (typeof value !== "object" || value === null)
        return [];
    if (dbg.int64.is(value))
        return [];
    const modelKeys = value[MODEL_KEYS];
    const info = nativeInfo(value);
    let names;
    if (typeof modelKeys === "function")
        names = modelKeys();
    else if (info)
        names = info.kind === "udt" ? Object.keys(value) : [];
    else if (isModelCollection(value))
        names = [];
    else
        names = allKeys(value).filter((k) => !PROTOCOL.has(k));
    const out = [];
    for (const name of names) {
        let method = false;
        const d = descriptorOf(value, name);
        if (d && !d.get && typeof d.value === "function")
            method = true;
        out.push({ name, method });
    }
    return out;
}
function descriptorOf(obj, name) {
    for (let o = obj; o; o = Object.getPrototypeOf(o)) {
        const d = Object.getOwnPropertyDescriptor(o, name);
        if (d)
            return d;
    }
    return undefined;
}
function hasCustomToString(value) {
    for (let o = value; o; o = Object.getPrototypeOf(o)) {
        if (Object.getPrototypeOf(o) === null)
            return false; // reached some realm's Object.prototype
        if (Object.prototype.hasOwnProperty.call(o, "toString"))
            return true;
    }
    return false;
}
/** What dx prints after the colon for a value. */
function displayString(dbg, value, radix = 16) {
    if (value instanceof ValueWithMetadata)
        return displayString(dbg, value.value, Number(value.metadata.PreferredRadix ?? radix));
    if (value === undefined)
        return "";
    if (value === null)
        return "null";
    if (typeof value === "number") {
        if (Number.isInteger(value))
            return radix === 10 ? String(value) : (value < 0 ? "-0x" + (-value).toString(16) : "0x" + value.toString(16));
        return value.toFixed(6);
    }
    if (typeof value === "string")
        return value;
    if (typeof value === "boolean")
        return value ? "true" : "false";
    if (typeof value === "function")
        return "";
    if (dbg.int64.is(value))
        return radix === 10 ? value.bits.toString(10) : "0x" + value.bits.toString(16);
    if (nativeInfo(value) || typeof value[MODEL_KEYS] === "function" || isModelCollection(value)) {
        return String(value);
    }
    if (hasCustomToString(value)) {
        try {
            return String(value.toString());
        }
        catch (e) {
            return `Error: ${e.message}`;
        }
    }
    if (isIterable(value))
        return Object.prototype.toString.call(value) === "[object Generator]" ? "[object Generator]" : "";
    return "[object Object]";
}
function fmtIndex(k) {
    if (typeof k === "number")
        return "0x" + k.toString(16);
    if (typeof k === "bigint")
        return "0x" + k.toString(16);
    return String(k);
}
/** `dx` output lines for an expression and its value. */
function renderDx(dbg, expression, value, options = {}) {
    const depth = options.recursion ?? 1;
    const lines = [];
    const head = displayString(dbg, value);
    lines.push(head ? `${expression}${" ".repeat(Math.max(1, 17 - expression.length))}: ${head}` : expression);
    if (options.grid) {
        lines.push(...renderGrid(dbg, value));
        return lines;
    }
    renderChildren(dbg, value, 1, depth, options.verbose ?? false, lines);
    return lines;
}
function renderChildren(dbg, value, level, depth, verbose, lines) {
    if (level > depth)
        return;
    const pad = "    ".repeat(level);
    const base = value instanceof ValueWithMetadata ? value.value : value;
    for (const k of keysOf(dbg, base)) {
        const md = dbg.metadataFor(base, k.name);
        let method = k.method;
        let v;
        if (!method) {
            try {
                v = base[k.name];
            }
            catch (e) {
                lines.push(`${pad}${k.name.padEnd(17)}: Error: ${e.message}`);
                continue;
            }
            method = typeof v === "function";
        }
        if (method) {
            if (!verbose && !md?.PreferShow)
                continue;
            lines.push(`${pad}${k.name.padEnd(17)}${md?.Help ? ` [${String(md.Help)}]` : ""}`);
            continue;
        }
        if (v === undefined)
            continue; // a getter returning undefined hides the property
        const radix = Number(md?.PreferredRadix ?? 16);
        lines.push(`${pad}${k.name.padEnd(17)}: ${displayString(dbg, v, radix)}${verbose && md?.Help ? ` [${String(md.Help)}]` : ""}`);
        renderChildren(dbg, v, level + 1, depth, verbose, lines);
    }
    for (const c of children(dbg, base)) {
        lines.push(`${pad}${("[" + c.index.map(fmtIndex).join(",") + "]").padEnd(17)}: ${displayString(dbg, c.value)}`);
        renderChildren(dbg, c.value, level + 1, depth, verbose, lines);
    }
}
function renderGrid(dbg, value) {
    const rows = children(dbg, value instanceof ValueWithMetadata ? value.value : value);
    const columns = [];
    for (const r of rows)
        for (const k of keysOf(dbg, r.value))
            if (!k.method && !columns.includes(k.name))
                columns.push(k.name);
    const table = rows.map((r) => [
        "[" + r.index.map(fmtIndex).join(",") + "]",
        ...columns.map((c) => {
            try {
                const v = r.value[c];
                return displayString(dbg, v, Number(dbg.metadataFor(r.value, c)?.PreferredRadix ?? 16));
            }
            catch (e) {
                return `Error: ${e.message}`;
            }
        }),
    ]);
    const header = ["", ...columns];
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
    const line = (cells) => "= " + cells.map((c, i) => c.padEnd(widths[i])).join(" = ") + " =";
    const rule = "=".repeat(line(header).length);
    return [rule, line(header), rule, ...table.map(line)];
}

function runCommand(dbg, command) {
    const text = command.trim();
    if (text === "")
        return [];
    const dx = /^dx((?:\s+-(?:r\d+|g|v|s|h))*)\s+(.+)$/s.exec(text);
    if (dx) {
        const flags = dx[1] ?? "";
        const expr = dx[2].trim();
        const recursion = /-r(\d+)/.exec(flags);
        const quiet = /-s/.test(flags);
        try {
            const lines = [];
            const printed = dbg.capture(() => {
                const value = evaluateDx(dbg, expr);
                if (!quiet)
                    lines.push(...renderDx(dbg, expr, value, { recursion: recursion ? Number(recursion[1]) : 1, grid: /-g/.test(flags), verbose: /-v/.test(flags) }));
            });
            return [...printed, ...lines];
        }
        catch (e) {
            return [`Error: ${e.message}`];
        }
    }
    const bang = /^!([A-Za-z_][\w.]*)\s*(.*)$/s.exec(text);
    if (bang) {
        const name = bang[1];
        const alias = dbg.aliases.get(name);
        if (!alias) {
            // Not a function alias: an extension command (`!runaway`) answers with the target's canned output.
            const canned = cannedOutput(dbg, text);
            if (canned)
                return [...canned];
            // dbgeng reads `!a.b` as command b of extension a.
            const dot = name.lastIndexOf(".");
            return [dot >= 0 ? `No export ${name.slice(dot + 1)} found` : `No export ${name} found`];
        }
        const out = [];
        try {
            const printed = dbg.capture(() => {
                const args = parseArguments(dbg, bang[2].trim());
                const value = alias.fn(...args);
                if (value !== undefined)
                    out.push(...renderDx(dbg, `!${name}`, value));
            });
            return [...printed, ...out];
        }
        catch (e) {
            return [`Error: ${e.message}`];
        }
    }
    const echo = /^\.echo\s?(.*)$/s.exec(text);
    if (echo)
        return [echo[1]];
    const canned = cannedOutput(dbg, text);
    if (canned)
        return [...canned];
    throw new Error(`The target has no output for the command '${text}' (not emulated for this target)`);
}
/** `!alias expr` passes one expression; `!alias (a, b)` passes several (reference §7). */
function parseArguments(dbg, text) {
    if (text === "")
        return [];
    if (text.startsWith("(") && text.endsWith(")")) {
        const inner = text.slice(1, -1);
        const parts = splitTopLevel(inner);
        if (parts.length > 1)
            return parts.map((p) => evaluateDx(dbg, p));
    }
    return [evaluateDx(dbg, text)];
}
function splitTopLevel(s) {
    const parts = [];
    let depth = 0;
    let inString = false;
    let start = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s[i];
        if (c === '"')
            inString = !inString;
        if (inString)
            continue;
        if (c === "(" || c === "[" || c === "{")
            depth++;
        else if (c === ")" || c === "]" || c === "}")
            depth--;
        else if (c === "," && depth === 0) {
            parts.push(s.slice(start, i).trim());
            start = i + 1;
        }
    }
    parts.push(s.slice(start).trim());
    return parts.filter((p) => p !== "");
}
function cannedOutput(dbg, text) {
    const table = dbg.target.commands;
    if (!table)
        return undefined;
    if (typeof table === "function")
        return table(text);
    const normalized = text.replace(/\s+/g, " ");
    return table[normalized] ?? table[text];
}

/**
 * `Debugger.Utility.FileSystem` (reference §6.9) over a folder on this machine that stands for the
 * Windows file system: `C:\logs\x.json` becomes `<root>/C/logs/x.json`. Nothing outside the root is
 * touched.
 */
function createFileSystem(dbg, rootArg) {
    let root = rootArg;
    const ensureRoot = () => {
        if (!root)
            root = fs.mkdtempSync(path.join(os.tmpdir(), "ewmda-fs-"));
        fs.mkdirSync(path.join(root, "C", "work"), { recursive: true });
        fs.mkdirSync(path.join(root, "C", "temp"), { recursive: true });
        return root;
    };
    const cwd = "C:\\work";
    const temp = "C:\\temp";
    /** Windows path → host path under the root. */
    const hostPath = (winPath) => {
        const r = ensureRoot();
        let p = winPath.replace(/\//g, "\\");
        if (!/^[A-Za-z]:\\/.test(p))
            p = cwd + "\\" + p;
        const drive = p[0].toUpperCase();
        const parts = p.slice(3).split("\\").filter((x) => x !== "" && x !== ".");
        const clean = [];
        for (const part of parts) {
            if (part === "..")
                clean.pop();
            else
                clean.push(part);
        }
        return path.join(r, drive, ...clean);
    };
    const winPathOf = (p) => {
        let w = p.replace(/\//g, "\\");
        if (!/^[A-Za-z]:\\/.test(w))
            w = cwd + "\\" + w;
        return w;
    };
    const fileObject = (winPath) => {
        const hp = hostPath(winPath);
        let position = 0;
        let open = true;
        const check = () => { if (!open)
            throw new Error("The file is closed"); };
        return {
            get Name() { return path.basename(hp); },
            get Path() { return winPathOf(winPath); },
            get Extension() { return path.extname(hp); },
            get Size() { return fs.existsSync(hp) ? fs.statSync(hp).size : 0; },
            get Position() { return position; },
            set Position(v) { position = Number(v); },
            Close() { open = false; },
            Delete() { open = false; fs.rmSync(hp, { force: true }); },
            Open(_disposition) { open = true; },
            WriteBytes(bytes, count) {
                check();
                const arr = Array.from(bytes).slice(0, count ?? undefined);
                const fd = fs.openSync(hp, fs.existsSync(hp) ? "r+" : "w+");
                try {
                    fs.writeSync(fd, Uint8Array.from(arr), 0, arr.length, position);
                }
                finally {
                    fs.closeSync(fd);
                }
                position += arr.length;
            },
            ReadBytes(n) {
                check();
                const buf = Buffer.alloc(Number(n));
                const fd = fs.openSync(hp, "r");
                let got = 0;
                try {
                    got = fs.readSync(fd, buf, 0, buf.length, position);
                }
                finally {
                    fs.closeSync(fd);
                }
                position += got;
                return modelCollection(dbg.collectionEnv, Array.from(buf.subarray(0, got)));
            },
            __hostPath: hp,
        };
    };
    const createFile = (winPath, disposition = "CreateAlways") => {
        const hp = hostPath(winPath);
        fs.mkdirSync(path.dirname(hp), { recursive: true });
        const exists = fs.existsSync(hp);
        if (disposition === "CreateNew" && exists)
            throw new Error(`The file ${winPath} already exists`);
        if (disposition === "OpenExisting" && !exists)
            throw new Error(`The file ${winPath} does not exist`);
        if (disposition === "CreateAlways" || !exists)
            fs.writeFileSync(hp, "");
        return fileObject(winPath);
    };
    const encode = (text, encoding) => {
        if (encoding === "Utf16")
            return Buffer.from(text, "utf16le");
        if (encoding === "Utf8")
            return Buffer.from(text, "utf8");
        return Buffer.from(text.replace(/[^\x00-\x7f]/g, "?"), "latin1");
    };
    const resolveFile = (fileOrPath, disposition) => typeof fileOrPath === "string" ? createFile(fileOrPath, disposition) : fileOrPath;
    const textWriter = (fileOrPath, encoding = "Ascii") => {
        const file = resolveFile(fileOrPath, "CreateAlways");
        const append = (s) => {
            const data = encode(s, encoding);
            fs.appendFileSync(file.__hostPath, data);
        };
        const str = (o) => String(o);
        return {
            Write: (o) => append(str(o)),
            WriteLine: (o) => append(str(o) + "\n"),
            WriteContents: (it) => { for (const x of it)
                append(str(x)); },
            WriteLineContents: (it) => { for (const x of it)
                append(str(x) + "\n"); },
        };
    };
    const textReader = (fileOrPath, encoding = "Ascii") => {
        const file = typeof fileOrPath === "string" ? fileObject(fileOrPath) : fileOrPath;
        const buf = fs.readFileSync(file.__hostPath);
        const text = encoding === "Utf16" ? buf.toString("utf16le") : buf.toString(encoding === "Utf8" ? "utf8" : "latin1");
        const lines = text.split(/\r?\n/);
        if (lines[lines.length - 1] === "")
            lines.pop();
        let next = 0;
        return {
            ReadLine: () => { if (next >= lines.length)
                throw new Error("End of file"); return lines[next++]; },
            // One-shot, as the real one consumes lines while iterating (reference §5.3).
            ReadLineContents: () => modelCollection(dbg.collectionEnv, () => lines.slice(next).map((l) => { next++; return l; })),
        };
    };
    const directory = (winPath) => ({
        get Path() { return winPath; },
        CreateFile: (rel, disp) => createFile(winPath + "\\" + rel, disp),
        OpenFile: (rel) => fileObject(winPath + "\\" + rel),
        CreateSubDirectory: (name) => { fs.mkdirSync(hostPath(winPath + "\\" + name), { recursive: true }); return directory(winPath + "\\" + name); },
        Delete: () => fs.rmSync(hostPath(winPath), { recursive: true, force: true }),
        get Files() {
            const hp = hostPath(winPath);
            const names = fs.existsSync(hp) ? fs.readdirSync(hp).filter((n) => fs.statSync(path.join(hp, n)).isFile()) : [];
            return modelCollection(dbg.collectionEnv, names.map((n) => fileObject(winPath + "\\" + n)));
        },
        get SubDirectories() {
            const hp = hostPath(winPath);
            const names = fs.existsSync(hp) ? fs.readdirSync(hp).filter((n) => fs.statSync(path.join(hp, n)).isDirectory()) : [];
            return modelCollection(dbg.collectionEnv, names.map((n) => directory(winPath + "\\" + n)));
        },
    });
    let tempCounter = 0;
    const namespace = dbg.models.object(["Debugger.Models.Utility.FileSystem"], {
        CreateFile: () => (p, disposition) => { dbg.counters.other++; return createFile(p, disposition); },
        CreateTempFile: () => () => { dbg.counters.other++; return createFile(`${temp}\\tmp${++tempCounter}.tmp`, "CreateAlways"); },
        CreateTextReader: () => (f, e) => { dbg.counters.other++; return textReader(f, e); },
        CreateTextWriter: () => (f, e) => { dbg.counters.other++; return textWriter(f, e); },
        DeleteFile: () => (p) => { dbg.counters.other++; fs.rmSync(hostPath(p), { force: true }); },
        FileExists: () => (p) => { dbg.counters.other++; return fs.existsSync(hostPath(p)); },
        OpenFile: () => (p) => {
            dbg.counters.other++;
            if (!fs.existsSync(hostPath(p)))
                throw new Error(`The file ${p} does not exist`);
            return fileObject(p);
        },
        CurrentDirectory: () => directory(cwd),
        TempDirectory: () => directory(temp),
    }, () => "");
    return {
        namespace,
        /** Where a Windows path lands on this machine (for tests). */
        hostPath,
        get root() { return ensureRoot(); },
    };
}

const MASK64 = (1n << 64n) - 1n;
const SIGN_BIT = 1n << 63n;
/** Documented: 9007199254740990 converts, 9007199254740991 throws. */
const MAX_EXACT = 9007199254740990n;
const PRECISION_MESSAGE = "64 bit value loses precision on conversion to number";
function signedValue(bits, signed) {
    return signed && (bits & SIGN_BIT) !== 0n ? bits - (1n << 64n) : bits;
}
function createInt64Factory(variant) {
    const interned = new Map();
    const cleanup = new FinalizationRegistry((key) => {
        const ref = interned.get(key);
        if (ref && ref.deref() === undefined)
            interned.delete(key);
    });
    // The constructor the script sees. Instances are created through Object.create so that both
    // `host.Int64(5)` and `new host.Int64(5)` return the interned object.
    const Int64 = function Int64(a, b) {
        if (arguments.length === 0)
            throw new TypeError("Int64: expected a value or (low, high)");
        if (arguments.length >= 2) {
            const low = halfToBigInt(a, "low");
            const high = halfToBigInt(b, "high");
            return make((high << 32n) | low, false);
        }
        if (is(a))
            return a;
        if (typeof a !== "number" || !Number.isInteger(a)) {
            throw new TypeError("Int64: the value must be an integer number or an Int64");
        }
        if (a < -9223372036854776e3 || a >= 2 ** 64)
            throw new RangeError("Int64: value does not fit in 64 bits");
        return make(BigInt(a) & MASK64, a < 0);
    };
    const proto = {};
    Object.defineProperty(Int64, "prototype", { value: proto, writable: false });
    Object.defineProperty(proto, "constructor", { value: Int64, enumerable: false, writable: true, configurable: true });
    function halfToBigInt(v, which) {
        if (typeof v !== "number" || !Number.isInteger(v))
            throw new TypeError(`Int64: ${which} part must be an integer number`);
        return BigInt(v >>> 0);
    }
    function make(value, signed = false) {
        const bits = value & MASK64;
        // Interned by value (reference §4.6): a non-negative value is one object whether it was made signed or not.
        if ((bits & SIGN_BIT) === 0n)
            signed = false;
        const key = (signed ? "s" : "u") + bits.toString(16);
        const existing = interned.get(key)?.deref();
        if (existing)
            return existing;
        const inst = Object.create(proto);
        Object.defineProperty(inst, "bits", { value: bits, enumerable: false });
        Object.defineProperty(inst, "signed", { value: signed, enumerable: false });
        Object.freeze(inst);
        interned.set(key, new WeakRef(inst));
        cleanup.register(inst, key);
        return inst;
    }
    function is(value) {
        return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === proto;
    }
    function toBigInt(value) {
        if (is(value))
            return value.bits;
        if (typeof value === "number" && Number.isInteger(value))
            return BigInt(value) & MASK64;
        if (typeof value === "bigint")
            return value & MASK64;
        throw new TypeError(`expected a number or Int64, got ${describe(value)}`);
    }
    function isNegative(value) {
        if (is(value))
            return value.signed && (value.bits & SIGN_BIT) !== 0n;
        return typeof value === "number" && value < 0;
    }
    function exactNumber(self) {
        const v = signedValue(self.bits, self.signed);
        if (v > MAX_EXACT || v < -MAX_EXACT)
            throw new Error(PRECISION_MESSAGE);
        return Number(v);
    }
    const methods = {
        valueOf() { return exactNumber(this); },
        asNumber() { return exactNumber(this); },
        convertToNumber() { return Number(signedValue(this.bits, this.signed)); },
        getLowPart() { return Number(this.bits & 0xffffffffn); },
        getHighPart() { return Number(this.bits >> 32n); },
        add(v) { return make(this.bits + toBigInt(v), this.signed); },
        subtract(v) { return make(this.bits - toBigInt(v), this.signed); },
        multiply(v) { return make(this.bits * toBigInt(v), this.signed); },
        divide(v) {
            const d = toBigInt(v);
            if (d === 0n)
                throw new RangeError("Int64: division by zero");
            if (this.signed || isNegative(v)) {
                return make(signedValue(this.bits, this.signed) / signedValue(d, true), true);
            }
            return make(this.bits / d, false);
        },
        modulo(v) {
            const d = toBigInt(v);
            if (d === 0n)
                throw new RangeError("Int64: division by zero");
            if (this.signed || isNegative(v)) {
                return make(signedValue(this.bits, this.signed) % signedValue(d, true), true);
            }
            return make(this.bits % d, false);
        },
        bitwiseAnd(v) { return make(this.bits & toBigInt(v), this.signed); },
        bitwiseOr(v) { return make(this.bits | toBigInt(v), this.signed); },
        bitwiseXor(v) { return make(this.bits ^ toBigInt(v), this.signed); },
        bitwiseNot() { return make(~this.bits, this.signed); },
        bitwiseShiftLeft(n) { return make(this.bits << BigInt(shiftCount(n)), this.signed); },
        bitwiseShiftRight(n) {
            const count = BigInt(shiftCount(n));
            return make(this.signed ? signedValue(this.bits, true) >> count : this.bits >> count, this.signed);
        },
        compareTo(v) {
            // Addresses compare unsigned; a negative operand on either side makes it a signed comparison.
            let a = this.bits;
            let b = toBigInt(v);
            if (isNegative(this) || isNegative(v)) {
                a = signedValue(this.bits, this.signed);
                b = is(v) ? signedValue(v.bits, v.signed) : BigInt(v);
            }
            return a < b ? -1 : a > b ? 1 : 0;
        },
        toString(radix) {
            const r = radix === undefined ? variant.int64DefaultRadix : Number(radix);
            if (![2, 8, 10, 16].includes(r))
                throw new RangeError("Int64.toString: radix must be 2, 8, 10 or 16");
            const v = signedValue(this.bits, this.signed);
            const digits = v < 0n ? "-" + (-v).toString(r) : v.toString(r);
            return r === 16 && variant.int64HexPrefix ? (v < 0n ? "-0x" + digits.slice(1) : "0x" + digits) : digits;
        },
    };
    for (const [name, fn] of Object.entries(methods)) {
        Object.defineProperty(proto, name, { value: fn, enumerable: false, writable: true, configurable: true });
    }
    // Runtime enumeration shows `Min` and `Max` on host.Int64 (reference §4.6; meaning unconfirmed).
    Object.defineProperty(Int64, "Min", { value: make(SIGN_BIT, true), enumerable: true });
    Object.defineProperty(Int64, "Max", { value: make(SIGN_BIT - 1n, true), enumerable: true });
    function parse(text, radix) {
        if (typeof text !== "string")
            throw new TypeError("parseInt64: expected a string");
        let s = text.trim().replace(/`/g, "");
        let negative = false;
        if (s.startsWith("-")) {
            negative = true;
            s = s.slice(1);
        }
        let r = radix;
        if (/^0x/i.test(s)) {
            if (r === undefined || r === 16) {
                r = 16;
                s = s.slice(2);
            }
        }
        if (r === undefined)
            r = 10;
        const alphabet = "0123456789abcdef".slice(0, r);
        if (!s || [...s.toLowerCase()].some((c) => !alphabet.includes(c))) {
            throw new Error(`parseInt64: "${text}" is not a base-${r} integer`);
        }
        let v = 0n;
        for (const c of s.toLowerCase())
            v = v * BigInt(r) + BigInt(alphabet.indexOf(c));
        if (v > MASK64)
            throw new RangeError(`parseInt64: "${text}" does not fit in 64 bits`);
        return make(negative ? -v : v, negative);
    }
    return { ctor: Int64, make, parse, is, toBigInt };
}
function shiftCount(n) {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 63) {
        throw new RangeError("Int64: shift count must be an integer 0..63");
    }
    return n;
}
function describe(v) {
    if (v === null)
        return "null";
    if (typeof v === "object")
        return Object.prototype.toString.call(v);
    return typeof v;
}
/**
 * Adds the Int64 math methods to a realm's `Number.prototype`, as the provider does for script numbers
 * (release notes 1.0.14.0). Only used when the variant asks for it.
 */
function patchNumberPrototype(numberProto, factory) {
    const names = ["add", "subtract", "multiply", "divide", "modulo", "bitwiseAnd", "bitwiseOr", "bitwiseXor",
        "bitwiseShiftLeft", "bitwiseShiftRight", "compareTo", "getLowPart", "getHighPart", "asNumber", "convertToNumber"];
    const proto = Object.getPrototypeOf(factory.make(0n));
    for (const name of names) {
        const method = proto[name];
        Object.defineProperty(numberProto, name, {
            value: function (...args) {
                const self = factory.ctor(Number(this));
                const result = method.apply(self, args);
                // Results that fit stay numbers, as script code expects `(8).compareTo(8) === 0` and `(3).add(4) == 7`.
                if (factory.is(result)) {
                    try {
                        return result.asNumber();
                    }
                    catch {
                        return result;
                    }
                }
                return result;
            },
            enumerable: false, writable: true, configurable: true,
        });
    }
}

/**
 * Evaluates a script the way JsProvider does (reference §1.4, §2): a classic script (not a module)
 * in a fresh global whose only non-standard member is `host`. No console, timers, require, module
 * or globalThis (ChakraCore support is unconfirmed, so we take it away).
 */
class ScriptError extends Error {
    fileName;
    line;
    column;
    constructor(message, fileName, line, column) {
        super(message);
        this.fileName = fileName;
        this.line = line;
        this.column = column;
        this.name = "ScriptError";
    }
}
function evaluateScript(code, fileName, host, options) {
    const sandbox = Object.create(null);
    sandbox.host = host;
    const context = vm.createContext(sandbox, { name: fileName, codeGeneration: { strings: false, wasm: false } });
    const setup = vm.runInContext(`(function (sym) {
       Object.defineProperty(Symbol, "metadataDescriptor", { value: sym, writable: false, enumerable: false, configurable: false });
       delete this.globalThis;
       delete this.console; // V8 puts a console in every context; the provider has none (reference §1.3)
       return Number.prototype;
     })`, context);
    const numberPrototype = setup.call(vm.runInContext("this", context), options.metadataSymbol);
    options.patchNumbers?.(numberPrototype);
    options.onRealm?.(vm.runInContext("({ Error: Error, TypeError: TypeError, RangeError: RangeError, Array: Array, Int8Array: Int8Array, Uint8Array: Uint8Array, " +
        "Int16Array: Int16Array, Uint16Array: Uint16Array, Int32Array: Int32Array, Uint32Array: Uint32Array })", context));
    try {
        new vm.Script(code, { filename: fileName }).runInContext(context);
    }
    catch (e) {
        throw asScriptError(e, fileName);
    }
    return { context, global: vm.runInContext("this", context) };
}
/** Load errors print file, line and message like the provider: `"file" (line 11 (@ 1)): Error (0x80004005): ...`. */
function asScriptError(e, fileName, code) {
    const err = e;
    let line;
    let column;
    const m = /:(\d+)(?::(\d+))?\)?\s*$/m.exec((err.stack ?? "").split("\n").find((l) => l.includes(fileName)) ?? "");
    if (m) {
        line = Number(m[1]);
        column = m[2] ? Number(m[2]) : undefined;
    }
    if (line === undefined && err.name === "SyntaxError") {
        const first = (err.stack ?? "").split("\n")[0] ?? "";
        const lm = /:(\d+)$/.exec(first);
        if (lm)
            line = Number(lm[1]);
    }
    const where = line !== undefined ? ` (line ${line} (@ ${column ?? 1}))` : "";
    const kind = err.name === "SyntaxError" ? "Syntax error: " : "";
    return new ScriptError(`"${fileName}"${where}: Error (0x80004005): ${kind}${err.message ?? String(e)}`, fileName, line, column);
}

/**
 * The data model over a target: Debugger root, sessions, processes, threads, stack frames, modules,
 * handles, registers (reference §6). Objects are cached per target fact so identity is stable, every
 * property read is counted, and scripts can extend them through named models.
 */
class DataModel {
    w;
    processObjects = new Map();
    threadObjects = new Map();
    moduleObjects = new Map();
    contexts = new Map();
    contextByHost = new WeakMap();
    sessionObject;
    rootObject;
    constructor(w) {
        this.w = w;
    }
    // ---- contexts ----
    processContext(p) {
        let c = this.contexts.get(p);
        if (!c) {
            const hostContext = Object.freeze({ toString: () => `[host context: process 0x${p.id.toString(16)}]` });
            c = { spec: p, modules: new ModuleSet([...p.modules, ...(this.w.target.kernelModules ?? [])]), space: p.memory ?? this.w.target.memory, hostContext };
            this.contexts.set(p, c);
            this.contextByHost.set(hostContext, c);
        }
        return c;
    }
    contextOfHostContext(o) {
        return typeof o === "object" && o !== null ? this.contextByHost.get(o) : undefined;
    }
    currentProcessSpec() {
        const p = this.w.target.processes.find((x) => x.id === this.w.currentProcessId) ?? this.w.target.processes[0];
        if (!p)
            throw new Error("The target has no process");
        return p;
    }
    currentThreadSpec() {
        const p = this.currentProcessSpec();
        return p.threads.find((t) => t.id === this.w.currentThreadId) ?? p.threads[0];
    }
    nativeContext(c, table) {
        return { space: c.space, hostContext: c.hostContext, table };
    }
    /** The type table holding a type for this process (ntdll for user types, nt for kernel types). */
    typesFor(c, typeName) {
        const prefer = this.w.target.kind === "kernel" ? ["nt", "ntdll"] : ["ntdll", "nt"];
        for (const name of prefer) {
            const m = c.modules.byName(name);
            const t = m ? c.modules.types(m) : undefined;
            if (t?.resolve(typeName))
                return t;
        }
        return undefined;
    }
    ordinal(n) {
        return this.w.variant.ordinalsAsInt64 ? this.w.int64.make(BigInt(n)) : n;
    }
    // ---- root ----
    root() {
        if (!this.rootObject) {
            const m = this.w.models;
            const state = m.object(["Debugger.Models.State"], {
                DebuggerVariables: () => m.object(["Debugger.Models.DebuggerVariables"], this.w.debuggerVariables()),
                PseudoRegisters: () => this.pseudoRegisters(),
                UserVariables: () => this.w.userVariables(),
                Scripts: () => this.w.scriptsObject(),
            });
            const utility = m.object(["Debugger.Models.Utility"], this.w.utility(), () => "");
            this.rootObject = m.object(["Debugger.Models.Debugger"], {
                Sessions: () => modelCollection(this.w.collectionEnv, [this.session()]),
                Settings: () => m.object(["Debugger.Models.Settings"], {}),
                State: () => state,
                Utility: () => utility,
                LastEvent: () => undefined,
            }, () => "");
        }
        return this.rootObject;
    }
    session() {
        if (!this.sessionObject) {
            const t = this.w.target;
            const m = this.w.models;
            const attributes = m.object(["Debugger.Models.Session.Attributes"], {
                Target: () => m.object(["Debugger.Models.Session.Attributes.Target"], {
                    IsKernelTarget: () => t.kind === "kernel",
                    IsUserTarget: () => t.kind === "user",
                    IsLiveTarget: () => !!t.isLive,
                    IsTTDTarget: () => false,
                    Details: () => m.object(["Debugger.Models.Session.Attributes.Target.Details"], {
                        DumpFileName: () => t.dumpFileName,
                    }),
                }),
                Machine: () => m.object(["Debugger.Models.Session.Attributes.Machine"], {
                    PointerSize: () => this.ordinal(t.pointerSize),
                    PageSize: () => this.ordinal(t.pageSize ?? 0x1000),
                }),
            });
            this.sessionObject = m.object(["Debugger.Models.Session"], {
                Processes: () => modelCollection(this.w.collectionEnv, t.processes.map((p) => this.process(p)), {
                    keyOf: (_p, i) => t.processes[i].id,
                }),
                Id: () => this.ordinal(0),
                Attributes: () => attributes,
            }, () => (t.dumpFileName ? `Dump ${t.dumpFileName}: ${t.kind === "kernel" ? "Kernel" : "User"} mode` : `${t.kind === "kernel" ? "Kernel" : "User"} mode target`));
        }
        return this.sessionObject;
    }
    // ---- processes ----
    process(p) {
        let o = this.processObjects.get(p);
        if (o)
            return o;
        const c = this.processContext(p);
        const m = this.w.models;
        const own = {
            Name: () => p.name,
            Id: () => this.ordinal(p.id),
            Threads: () => modelCollection(this.w.collectionEnv, p.threads.map((t) => this.thread(p, t)), {
                keyOf: (_t, i) => p.threads[i].id,
            }),
            Modules: () => {
                const list = this.w.target.kind === "kernel" ? [...p.modules, ...(this.w.target.kernelModules ?? [])] : p.modules;
                return modelCollection(this.w.collectionEnv, list.map((x) => this.module(x)), {
                    lookup: (_items, index) => {
                        if (typeof index !== "string")
                            return undefined;
                        const spec = c.modules.byName(index);
                        return spec ? this.module(spec) : undefined;
                    },
                });
            },
            Environment: () => m.object(["Debugger.Models.Process.Environment"], {
                EnvironmentBlock: () => this.typedAt(c, p.pebAddress, "_PEB"),
            }, () => ""),
            SwitchTo: () => () => { this.w.currentProcessId = p.id; this.w.currentThreadId = p.threads[0]?.id; },
        };
        if (this.w.target.kind === "kernel") {
            own.KernelObject = () => this.typedAt(c, p.kernelObjectAddress, "_EPROCESS");
        }
        if (p.handles) {
            const handles = p.handles;
            own.Io = () => m.object(["Debugger.Models.Process.Io"], {
                Handles: () => modelCollection(this.w.collectionEnv, handles.map((h) => this.handle(c, h)), {
                    keyOf: (_h, i) => handles[i].handle,
                }),
            }, () => "");
        }
        o = m.object(["Debugger.Models.Process"], own, () => p.name);
        this.processObjects.set(p, o);
        return o;
    }
    handle(c, h) {
        return this.w.models.object(["Debugger.Models.Handle"], {
            Handle: () => this.ordinal(h.handle),
            Type: () => h.type,
            GrantedAccess: () => this.ordinal(h.grantedAccess ?? 0),
            ObjectName: () => h.objectName,
            Object: () => this.typedAt(c, h.objectHeaderAddress, "_OBJECT_HEADER"),
        }, () => `Handle 0x${h.handle.toString(16)} ${h.type}`);
    }
    /** A typed object of this process's types, or undefined when the address or the type is missing. */
    typedAt(c, address, typeName) {
        if (address === undefined)
            return undefined;
        const table = this.typesFor(c, typeName);
        const type = table?.resolve(typeName);
        if (!table || !type)
            return undefined;
        this.w.counters.objectCreations++;
        return typedValue(this.w.nativeEnv, this.nativeContext(c, table), type, address);
    }
    // ---- threads ----
    thread(p, t) {
        let o = this.threadObjects.get(t);
        if (o)
            return o;
        const c = this.processContext(p);
        const m = this.w.models;
        const own = {
            Id: () => this.ordinal(t.id),
            Stack: () => m.object(["Debugger.Models.Stack"], {
                Frames: () => modelCollection(this.w.collectionEnv, this.frames(c, t)),
            }, () => ""),
            Registers: () => m.object(["Debugger.Models.Registers"], {
                User: () => this.registers(t.registers),
                ...(t.kernelRegisters ? { Kernel: () => this.registers(t.kernelRegisters) } : {}),
            }, () => ""),
            Environment: () => m.object(["Debugger.Models.Thread.Environment"], {
                EnvironmentBlock: () => this.typedAt(c, t.tebAddress, "_TEB"),
            }, () => ""),
            SwitchTo: () => () => { this.w.currentProcessId = p.id; this.w.currentThreadId = t.id; },
        };
        if (t.name !== undefined)
            own.Name = () => t.name;
        if (this.w.target.kind === "kernel")
            own.KernelObject = () => this.typedAt(c, t.kernelObjectAddress, "_ETHREAD");
        o = m.object(["Debugger.Models.Thread"], own, () => {
            const ip = t.frames?.[0]?.instructionOffset ?? t.registers.rip ?? t.registers.eip ?? t.registers.pc;
            return ip === undefined ? `Thread 0x${t.id.toString(16)}` : `${c.modules.format(ip)} (${ip.toString(16).padStart(this.w.target.pointerSize * 2, "0")})`;
        });
        this.threadObjects.set(t, o);
        return o;
    }
    registers(values) {
        // Registers are Int64 (reference §6.5); on x86 the variant may hand out numbers.
        const asNumbers = this.w.target.pointerSize === 4 && this.w.variant.x86RegistersAsNumbers;
        const own = {};
        for (const [name, v] of Object.entries(values)) {
            own[name] = () => (asNumbers && v <= 0xffffffffn ? Number(v) : this.w.int64.make(v));
        }
        return this.w.models.object(["Debugger.Models.Registers.User"], own, () => "");
    }
    frames(c, t) {
        const specs = t.frames ? [...t.frames] : [];
        if (specs.length === 0) {
            const ip = t.registers.rip ?? t.registers.eip ?? t.registers.pc;
            const sp = t.registers.rsp ?? t.registers.esp ?? t.registers.sp;
            if (ip !== undefined && sp !== undefined)
                specs.push({ instructionOffset: ip, stackOffset: sp, frameOffset: t.registers.rbp ?? t.registers.ebp ?? t.registers.fp });
        }
        return specs.map((f, i) => this.frame(c, f, i, specs[i + 1]));
    }
    frame(c, f, index, next) {
        const m = this.w.models;
        const i64 = this.w.int64;
        const hit = c.modules.symbolAt(f.instructionOffset);
        const attributes = m.object(["Debugger.Models.StackFrame.Attributes"], {
            InstructionOffset: () => i64.make(f.instructionOffset),
            ReturnOffset: () => i64.make(f.returnOffset ?? next?.instructionOffset ?? 0n),
            FrameOffset: () => i64.make(f.frameOffset ?? 0n),
            StackOffset: () => i64.make(f.stackOffset),
            FrameNumber: () => this.ordinal(index),
            SourceInformation: () => (hit ? m.object(["Debugger.Models.StackFrame.SourceInformation"], {
                FunctionName: () => hit.symbol.name,
                Module: () => this.module(hit.module),
            }) : undefined),
        });
        const text = `${c.modules.format(f.instructionOffset)} (${f.instructionOffset.toString(16).padStart(this.w.target.pointerSize * 2, "0")})`;
        return m.object(["Debugger.Models.StackFrame"], {
            Attributes: () => attributes,
            LocalVariables: () => m.object(["Debugger.Models.LocalVariables"], {}),
            Parameters: () => m.object(["Debugger.Models.Parameters"], {}),
            SwitchTo: () => () => undefined,
        }, () => text);
    }
    // ---- modules ----
    module(spec) {
        let o = this.moduleObjects.get(spec);
        if (o)
            return o;
        const m = this.w.models;
        const own = {
            Name: () => spec.name,
            BaseAddress: () => this.w.int64.make(spec.base),
            Size: () => this.ordinal(spec.size),
        };
        if (spec.symbols) {
            own.Symbols = () => m.object(["Debugger.Models.Module.Symbols"], { Name: () => moduleFileName(spec.name).replace(/\.[^.]*$/, ".pdb") });
        }
        o = m.object(["Debugger.Models.Module"], own, () => spec.name);
        this.moduleObjects.set(spec, o);
        return o;
    }
    // ---- pseudo-registers ----
    pseudoRegisters() {
        const m = this.w.models;
        const t = this.w.target;
        return m.object(["Debugger.Models.PseudoRegisters"], {
            General: () => m.object(["Debugger.Models.PseudoRegisters.General"], {
                ptrsize: () => this.ordinal(t.pointerSize),
                pagesize: () => this.ordinal(t.pageSize ?? 0x1000),
                teb: () => this.pseudoPointer(this.currentThreadSpec()?.tebAddress, "_TEB"),
                peb: () => this.pseudoPointer(this.currentProcessSpec().pebAddress, "_PEB"),
            }),
            RegisterAliases: () => m.object(["Debugger.Models.PseudoRegisters.RegisterAliases"], {
                ip: () => { const r = this.currentThreadSpec()?.registers; const v = r?.rip ?? r?.eip ?? r?.pc; return v === undefined ? undefined : this.w.int64.make(v); },
                sp: () => { const r = this.currentThreadSpec()?.registers; const v = r?.rsp ?? r?.esp ?? r?.sp; return v === undefined ? undefined : this.w.int64.make(v); },
            }),
        });
    }
    pseudoPointer(address, typeName) {
        if (address === undefined)
            return undefined;
        const c = this.processContext(this.currentProcessSpec());
        const table = this.typesFor(c, typeName);
        const ptr = table?.resolve(typeName + "*");
        if (!table || !ptr || ptr.kind !== "pointer")
            return this.w.int64.make(address);
        return pointerObject(this.w.nativeEnv, this.nativeContext(c, table), ptr, address);
    }
    /** Raw read for host.memory with the provider's failure behaviour. */
    read(c, address, length) {
        return readBytesOrThrow(c.space, address, length);
    }
}

const DEFAULT_VARIANT = {
    int64HexPrefix: false,
    int64DefaultRadix: 10,
    numberInt64Methods: false,
    ordinalsAsInt64: false,
    x86RegistersAsNumbers: false,
    readMemoryPlainArrays: false,
    phaseOneMembers: "absent",
    dottedAliases: true,
    aliasVersusVariable: "alias-first",
    noSymbolInformation: "throw",
};
/**
 * Boundary crossings between the script and the provider, so benchmarks can say what an analysis costs.
 * Every call of a host function and every read of a model or native-object property counts once.
 */
class HostCounters {
    memoryReads = 0;
    symbolLookups = 0;
    typeLookups = 0;
    propertyReads = 0;
    objectCreations = 0;
    commands = 0;
    other = 0;
    get total() {
        return this.memoryReads + this.symbolLookups + this.typeLookups + this.propertyReads +
            this.objectCreations + this.commands + this.other;
    }
    reset() {
        this.memoryReads = this.symbolLookups = this.typeLookups = this.propertyReads = 0;
        this.objectCreations = this.commands = this.other = 0;
    }
    snapshot() {
        return {
            memoryReads: this.memoryReads, symbolLookups: this.symbolLookups, typeLookups: this.typeLookups,
            propertyReads: this.propertyReads, objectCreations: this.objectCreations, commands: this.commands,
            other: this.other, total: this.total,
        };
    }
}

/**
 * The emulated debugger: one target, the data model over it, scripts loaded into it through the
 * emulated JavaScript provider, and the `dx`, `!alias` and `ExecuteCommand` paths a user or a script
 * takes. This is what every test and the Linux runner trust in place of WinDbg.
 */
class ScriptState {
    name;
    path;
    code;
    apiVersion = 1.0;
    undo = [];
    imperativeUndo = [];
    skipped = [];
    applied = [];
    global = {};
    /** The script realm's constructors (set before its code runs). */
    realm;
    constructor(name, path, code) {
        this.name = name;
        this.path = path;
        this.code = code;
    }
}
const METADATA_SYMBOL = Symbol("Symbol.metadataDescriptor");
class EmulatedDebugger {
    target;
    variant;
    counters = new HostCounters();
    int64;
    models;
    nativeEnv;
    collectionEnv;
    model;
    /** Everything the debugger printed (debugLog and command output), in order. */
    output = [];
    /** Commands run through ExecuteCommand / execute(), in order. */
    commandLog = [];
    aliases = new Map();
    userVariables = new Map();
    scripts = new Map();
    metadataSymbol = METADATA_SYMBOL;
    fileSystem;
    metadata = new WeakMap();
    typeObjects = new Map();
    typeOfObject = new WeakMap();
    captures = [];
    world;
    constructor(target, options = {}) {
        this.target = target;
        this.variant = { ...DEFAULT_VARIANT, ...options.variant };
        this.int64 = createInt64Factory(this.variant);
        this.models = new NamedModels(this.counters);
        this.nativeEnv = {
            int64: this.int64, counters: this.counters, variant: this.variant,
            typeObject: (t, table) => this.typeObject(t, table),
        };
        this.collectionEnv = {
            int64: this.int64, counters: this.counters,
            ordinal: (n) => (this.variant.ordinalsAsInt64 ? this.int64.make(BigInt(n)) : n),
        };
        this.fileSystem = createFileSystem(this, options.fileSystemRoot);
        const self = this;
        this.world = {
            target, variant: this.variant, counters: this.counters, int64: this.int64, models: this.models,
            nativeEnv: this.nativeEnv, collectionEnv: this.collectionEnv,
            currentProcessId: target.currentProcessId,
            currentThreadId: target.currentThreadId,
            utility: () => this.utilityMembers(),
            debuggerVariables: () => this.debuggerVariables(),
            userVariables: () => self.models.object(["Debugger.Models.UserVariables"], {
                ...Object.fromEntries([...self.userVariables.keys()].map((k) => [k, () => self.userVariables.get(k)])),
                // `dx @$vars.Remove("name")` (reference §6.2).
                Remove: () => (name) => self.userVariables.delete(String(name)),
            }),
            scriptsObject: () => self.models.object(["Debugger.Models.Scripts"], Object.fromEntries([...self.scripts.values()].map((s) => [s.name, () => self.models.object(["Debugger.Models.Script"], {
                    Name: () => s.name, Path: () => s.path, Contents: () => self.scriptContents(s),
                })]))),
        };
        this.model = new DataModel(this.world);
    }
    // ---- output ----
    writeOutput(text) {
        this.output.push(text);
        for (const c of this.captures)
            c.push(text);
    }
    /** Runs `fn` and returns what was printed meanwhile, split into lines. */
    capture(fn) {
        const buf = [];
        this.captures.push(buf);
        try {
            fn();
        }
        finally {
            this.captures.splice(this.captures.indexOf(buf), 1);
        }
        const text = buf.join("");
        if (text === "")
            return [];
        const lines = text.split("\n");
        if (lines[lines.length - 1] === "")
            lines.pop();
        return lines;
    }
    // ---- metadata and types ----
    defineMetadata(target, descriptor) {
        this.metadata.set(target, { ...(this.metadata.get(target) ?? {}), ...descriptor });
    }
    /** Metadata for a key of an object: defineMetadata first, then `[Symbol.metadataDescriptor]` along the prototype chain. */
    metadataFor(obj, key) {
        if (typeof obj !== "object" || obj === null)
            return undefined;
        const defined = this.metadata.get(obj)?.[key];
        if (defined)
            return defined;
        try {
            const d = obj[this.metadataSymbol];
            return d?.[key];
        }
        catch {
            return undefined;
        }
    }
    typeObject(type, table) {
        let o = this.typeObjects.get(type);
        if (o)
            return o;
        const self = this;
        const kindName = type.kind === "void" ? "intrinsic" : type.kind;
        const obj = {
            name: type.name,
            size: this.variant.ordinalsAsInt64 ? this.int64.make(BigInt(type.size)) : type.size,
            typeKind: kindName,
            get baseType() { return type.kind === "pointer" ? self.typeObject(type.target, table) : type.kind === "array" ? self.typeObject(type.element, table) : undefined; },
            get fields() {
                const out = {};
                if (type.kind === "udt") {
                    for (const f of type.fields) {
                        out[f.name] = Object.freeze({
                            name: f.name, type: self.typeObject(f.type, table), locationKind: "member",
                            offset: f.offset, isBitField: !!f.bits, bitFieldPositions: f.bits ? { lsb: f.bits.lsb, length: f.bits.length } : undefined,
                        });
                    }
                }
                return Object.freeze(out);
            },
            baseClasses: Object.freeze([]),
            isGeneric: false,
            genericArguments: Object.freeze([]),
            isBitField: false,
            pointerKind: type.kind === "pointer" ? "standard" : undefined,
            toString: () => type.name,
        };
        o = Object.freeze(obj);
        this.typeObjects.set(type, o);
        if (table)
            this.typeOfObject.set(o, { type, table });
        return o;
    }
    emuTypeOfTypeObject(o) {
        return typeof o === "object" && o !== null ? this.typeOfObject.get(o) : undefined;
    }
    processContextOfModelObject(o) {
        if (typeof o !== "object" || o === null)
            return undefined;
        for (const p of this.target.processes)
            if (this.model.process(p) === o)
                return this.model.processContext(p);
        return undefined;
    }
    moduleSpecOfModelObject(o) {
        if (typeof o !== "object" || o === null)
            return undefined;
        for (const p of this.target.processes) {
            for (const m of [...p.modules, ...(this.target.kernelModules ?? [])])
                if (this.model.module(m) === o)
                    return m;
        }
        return undefined;
    }
    // ---- the model root's utility members and variables ----
    utilityMembers() {
        const m = this.models;
        const control = m.object(["Debugger.Models.Utility.Control"], {
            ExecuteCommand: () => (command) => {
                this.counters.commands++;
                return modelCollection(this.collectionEnv, this.execute(String(command)));
            },
            SetBreakpointAtSourceLocation: () => () => { throw new Error("breakpoints are not available on a dump"); },
            SetBreakpointAtOffset: () => () => { throw new Error("breakpoints are not available on a dump"); },
            SetBreakpointForReadWrite: () => () => { throw new Error("breakpoints are not available on a dump"); },
        }, () => "");
        const collections = m.object(["Debugger.Models.Utility.Collections"], {
            FromListEntry: () => (head, typeName, fieldPath) => this.fromListEntry(head, typeName, fieldPath),
            CreateArray: () => (...values) => modelCollection(this.collectionEnv, values),
        }, () => "");
        const fs = this.fileSystem.namespace;
        return {
            Control: () => control,
            Collections: () => collections,
            FileSystem: () => fs,
        };
    }
    debuggerVariables() {
        return {
            cursession: () => this.model.session(),
            curprocess: () => this.model.process(this.model.currentProcessSpec()),
            curthread: () => {
                const t = this.model.currentThreadSpec();
                return t ? this.model.thread(this.model.currentProcessSpec(), t) : undefined;
            },
            scripts: () => this.model.root().State.Scripts,
            scriptContents: () => this.mergedScriptContents(),
            vars: () => this.model.root().State.UserVariables,
        };
    }
    scriptContents(s) {
        // The global object is bridged; `__` names stay private (reference §1.4).
        const own = {};
        for (const k of Object.keys(s.global)) {
            if (k.startsWith("__") || k === "host")
                continue;
            own[k] = () => s.global[k];
        }
        return this.models.object(["Debugger.Models.ScriptContents"], own, () => "");
    }
    mergedScriptContents() {
        const own = {};
        for (const s of this.scripts.values()) {
            for (const k of Object.keys(s.global)) {
                if (k.startsWith("__") || k === "host")
                    continue;
                own[k] = () => s.global[k];
            }
        }
        return this.models.object(["Debugger.Models.ScriptContents"], own, () => "");
    }
    fromListEntry(head, typeName, fieldPath) {
        const info = nativeInfo(head);
        if (!info || info.location === undefined)
            throw new TypeError("FromListEntry: expected a LIST_ENTRY object");
        const c = this.model.contextOfHostContext(info.ctx.hostContext) ?? this.model.processContext(this.model.currentProcessSpec());
        const bare = typeName.includes("!") ? typeName.slice(typeName.indexOf("!") + 1) : typeName;
        const table = this.model.typesFor(c, bare);
        const type = table?.resolve(bare);
        if (!table || !type || type.kind !== "udt")
            throw new Error(`FromListEntry: unknown type ${typeName}`);
        let offset = 0;
        let t = type;
        for (const part of fieldPath.split(".")) {
            if (t.kind !== "udt")
                throw new Error(`FromListEntry: ${fieldPath} is not a field path of ${typeName}`);
            const f = t.field(part);
            if (!f)
                throw new Error(`FromListEntry: ${typeName} has no field ${part}`);
            offset += f.offset;
            t = f.type;
        }
        const ps = this.target.pointerSize;
        const headAddress = info.location;
        const entries = [];
        const seen = new Set();
        let cursor = this.readPointer(c, headAddress, ps);
        while (cursor !== headAddress && cursor !== 0n && !seen.has(cursor) && entries.length < 1_000_000) {
            seen.add(cursor);
            entries.push(typedValue(this.nativeEnv, this.model.nativeContext(c, table), type, cursor - BigInt(offset)));
            cursor = this.readPointer(c, cursor, ps);
        }
        return modelCollection(this.collectionEnv, entries);
    }
    readPointer(c, address, size) {
        const b = this.model.read(c, address, size);
        this.counters.memoryReads++;
        let v = 0n;
        for (let i = size - 1; i >= 0; i--)
            v = (v << 8n) | BigInt(b[i]);
        return v;
    }
    // ---- target expressions (host.evaluateExpression) ----
    evaluateTargetExpression(expr, c) {
        const e = expr.trim();
        const num = /^(?:0x)?[0-9a-f`]+$/i.test(e) && /^0x|[a-f`]/i.test(e) ? this.int64.parse(e.replace(/`/g, ""), 16) : /^\d+$/.test(e) ? this.int64.parse(e, 10) : undefined;
        if (num)
            return num.bits <= 0xffffffffn ? Number(num.bits) : num;
        const sizeOf = /^sizeof\((.+)\)$/.exec(e);
        if (sizeOf) {
            const t = this.model.typesFor(c, sizeOf[1].trim())?.resolve(sizeOf[1].trim());
            if (!t)
                throw new Error(`Couldn't resolve type '${sizeOf[1]}'`);
            return t.size;
        }
        const sym = /^([A-Za-z_][\w.]*)!([\w:@?$]+)$/.exec(e);
        if (sym) {
            const m = c.modules.byName(sym[1]);
            const s = m ? c.modules.symbolByName(m, sym[2]) : undefined;
            if (!m || !s)
                throw new Error(`Couldn't resolve error at '${e}'`);
            return this.int64.make(m.base + BigInt(s.rva));
        }
        const reg = /^@?\$?(\w+)$/.exec(e);
        const t = this.model.currentThreadSpec();
        if (reg && t && t.registers[reg[1].toLowerCase()] !== undefined)
            return this.int64.make(t.registers[reg[1].toLowerCase()]);
        throw new Error(`The emulator cannot evaluate the target expression '${expr}'`);
    }
    // ---- scripts ----
    /** `.scriptload`: root code, initializeScript, then the returned records (undone together if one fails). */
    scriptLoad(code, path) {
        const name = scriptName(path);
        const previous = this.scripts.get(name);
        if (previous && previous.code === code)
            return previous;
        if (previous)
            this.scriptUnload(path);
        try {
            return this.load(code, path, name);
        }
        catch (e) {
            // Reload of changed content that fails: roll back to the previous version (reference §2).
            if (previous)
                this.load(previous.code, previous.path, name);
            throw e;
        }
    }
    /** `.scriptrun`: load if needed, then invokeScript. */
    scriptRun(code, path) {
        const s = this.scriptLoad(code, path);
        const invoke = s.global.invokeScript;
        if (typeof invoke === "function")
            this.callScript(s, () => invoke.call(s.global));
        return s;
    }
    scriptUnload(path) {
        const s = this.scripts.get(scriptName(path));
        if (!s)
            throw new Error(`Script ${path} is not loaded`);
        const uninit = s.global.uninitializeScript;
        try {
            if (typeof uninit === "function")
                this.callScript(s, () => uninit.call(s.global));
        }
        finally {
            for (const u of [...s.imperativeUndo].reverse())
                u();
            for (const u of [...s.undo].reverse())
                u();
            this.scripts.delete(s.name);
        }
    }
    callScript(s, fn) {
        try {
            return fn();
        }
        catch (e) {
            throw new ScriptError(`"${s.path}": Error: ${e?.message ?? String(e)}`, s.path);
        }
    }
    load(code, path, name) {
        const s = new ScriptState(name, path, code);
        const { host, enterPhase2 } = createScriptHost(this, s);
        const evaluated = evaluateScript(code, path, host, {
            metadataSymbol: this.metadataSymbol,
            patchNumbers: this.variant.numberInt64Methods ? (proto) => patchNumberPrototype(proto, this.int64) : undefined,
            onRealm: (realm) => { s.realm = realm; },
        });
        s.global = evaluated.global;
        const init = s.global.initializeScript;
        const records = typeof init === "function" ? this.callScript(s, () => init.call(s.global)) : undefined;
        enterPhase2();
        if (records !== undefined && records !== null) {
            if (!Array.isArray(records) && !(typeof records === "object" && Symbol.iterator in records)) {
                throw new ScriptError(`"${path}": initializeScript must return an array of registration records`, path);
            }
            try {
                for (const r of Array.from(records))
                    this.applyRecord(s, r, false);
            }
            catch (e) {
                for (const u of [...s.undo].reverse())
                    u();
                throw new ScriptError(`Unable to execute JavaScript script '${path}': ${e.message}`, path);
            }
        }
        this.scripts.set(name, s);
        return s;
    }
    applyRecord(s, record, optional) {
        const info = recordInfo(record);
        if (!info)
            throw new Error("initializeScript returned something that is not a registration record");
        const [a, b, c, d] = info.args;
        const asParent = (o) => {
            if (typeof o === "function")
                return o.prototype;
            if (typeof o === "object" && o !== null)
                return o;
            throw new TypeError(`${info.kind}: expected a class or an object`);
        };
        switch (info.kind) {
            case "ApiVersionSupport":
                s.apiVersion = Number(a) + Number(b) / 10;
                break;
            case "NamedModelParent":
                s.undo.push(this.models.addParent(String(b), asParent(a)));
                break;
            case "NamedModelRegistration":
                s.undo.push(this.models.register(String(b), asParent(a)));
                break;
            case "NamespacePropertyParent":
                s.undo.push(this.models.addSubNamespace(String(b), String(c), String(d), asParent(a)));
                break;
            case "FunctionAlias": {
                const aliasName = String(b);
                if (typeof a !== "function")
                    throw new TypeError(`functionAlias ${aliasName}: expected a function`);
                const valid = this.variant.dottedAliases ? /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/ : /^[A-Za-z_]\w*$/;
                if (!valid.test(aliasName))
                    throw new Error(`Invalid function alias name '${aliasName}'`);
                if (this.aliases.has(aliasName))
                    throw new Error(`A function alias named '${aliasName}' already exists`);
                this.aliases.set(aliasName, { fn: a, script: s });
                s.undo.push(() => { this.aliases.delete(aliasName); });
                break;
            }
            case "OptionalRecord":
                try {
                    this.applyRecord(s, a, true);
                }
                catch (e) {
                    s.skipped.push({ kind: recordInfo(a)?.kind ?? "unknown", reason: e.message });
                }
                return;
            case "TypeSignatureRegistration":
            case "TypeSignatureExtension":
                // Recorded; the emulator does not yet apply visualizers to native objects.
                break;
            case "ResourceFile":
            case "AllowOutsidePropertyWrites":
                throw new Error(`${info.kind} records are not emulated`);
        }
        s.applied.push(info);
    }
    // ---- what a user types ----
    /** Evaluates a dx expression (`@$ewmda.RawStack()`, `Debugger.Utility.Ewmda`, `@$x = ...`) and returns the value. */
    dx(expression) {
        return evaluateDx(this, expression);
    }
    /** `dx [-r<n>] [-g] [-v] expr` as text lines. */
    dxLines(expression, options = {}) {
        const value = this.dx(expression);
        return renderDx(this, expression, value, options);
    }
    /** Runs a debugger command as a user or ExecuteCommand would, and returns its output lines. */
    execute(command) {
        this.commandLog.push(command);
        return runCommand(this, command);
    }
    /** The process context of the current process (for the runner and tests). */
    currentContext() {
        return this.model.processContext(this.model.currentProcessSpec());
    }
    get world_() {
        return this.world;
    }
}
function scriptName(path) {
    const file = path.split(/[\\/]/).pop() ?? path;
    return file.replace(/\.js$/i, "");
}

/**
 * Byte sources for the minidump reader: a file read with positional reads through a small block cache
 * (the file is never loaded whole), and an in-memory buffer. Also `LeView`, the little-endian field reader
 * every parser uses over the bytes of one stream or record.
 */
const BLOCK = 64 * 1024;
const CACHE_BLOCKS = 32;
function clampRange(size, offset, length) {
    if (!Number.isFinite(offset) || !Number.isFinite(length) || offset < 0 || length <= 0 || offset >= size)
        return [0, 0];
    const start = Math.floor(offset);
    return [start, Math.min(size, start + Math.floor(length))];
}
/** A read-only file as a ByteSource: positional `fs.readSync`, 64 KiB blocks, up to 32 blocks cached (LRU). */
function openFileSource(path) {
    const fd = openSync(path, "r");
    let size;
    try {
        size = fstatSync(fd).size;
    }
    catch (e) {
        closeSync(fd);
        throw e;
    }
    const cache = new Map();
    let closed = false;
    const readAt = (into, position) => {
        let done = 0;
        while (done < into.length) {
            const n = readSync(fd, into, done, into.length - done, position + done);
            if (n <= 0)
                break;
            done += n;
        }
        return done;
    };
    const block = (index) => {
        const hit = cache.get(index);
        if (hit) {
            cache.delete(index);
            cache.set(index, hit);
            return hit;
        }
        const start = index * BLOCK;
        const buf = new Uint8Array(Math.min(BLOCK, size - start));
        const got = readAt(buf, start);
        const data = got === buf.length ? buf : buf.subarray(0, got);
        cache.set(index, data);
        if (cache.size > CACHE_BLOCKS) {
            const oldest = cache.keys().next().value;
            if (oldest !== undefined)
                cache.delete(oldest);
        }
        return data;
    };
    return {
        size,
        read(offset, length) {
            if (closed)
                throw new Error("the dump file is closed");
            const [start, end] = clampRange(size, offset, length);
            if (end <= start)
                return new Uint8Array(0);
            const first = Math.floor(start / BLOCK);
            const last = Math.floor((end - 1) / BLOCK);
            if (first === last) {
                const b = block(first);
                return b.slice(start - first * BLOCK, Math.min(b.length, end - first * BLOCK));
            }
            if (end - start > 4 * BLOCK) {
                // Large reads (memory ranges) go straight to the file rather than through the cache.
                const buf = new Uint8Array(end - start);
                const got = readAt(buf, start);
                return got === buf.length ? buf : buf.subarray(0, got);
            }
            const out = new Uint8Array(end - start);
            let pos = start;
            while (pos < end) {
                const index = Math.floor(pos / BLOCK);
                const b = block(index);
                const from = pos - index * BLOCK;
                const take = Math.min(b.length - from, end - pos);
                if (take <= 0)
                    return out.subarray(0, pos - start);
                out.set(b.subarray(from, from + take), pos - start);
                pos += take;
            }
            return out;
        },
        close() {
            if (closed)
                return;
            closed = true;
            cache.clear();
            closeSync(fd);
        },
    };
}
const utf16 = new TextDecoder("utf-16le");
const utf8 = new TextDecoder("utf-8");
/** Little-endian reads over a byte array; callers check `has` first (an out-of-range read throws RangeError). */
class LeView {
    bytes;
    dv;
    constructor(bytes) {
        this.bytes = bytes;
        this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    get length() {
        return this.bytes.length;
    }
    has(offset, size) {
        return offset >= 0 && size >= 0 && offset + size <= this.bytes.length;
    }
    u8(o) {
        return this.dv.getUint8(o);
    }
    u16(o) {
        return this.dv.getUint16(o, true);
    }
    u32(o) {
        return this.dv.getUint32(o, true);
    }
    i32(o) {
        return this.dv.getInt32(o, true);
    }
    u64(o) {
        return this.dv.getBigUint64(o, true);
    }
    sub(offset, length) {
        const start = Math.max(0, Math.min(offset, this.bytes.length));
        return new LeView(this.bytes.subarray(start, Math.max(start, Math.min(this.bytes.length, offset + length))));
    }
    /** A NUL-terminated UTF-16LE string in a fixed-size field of `bytes` bytes. */
    fixedUtf16(offset, bytes) {
        const end = Math.min(this.bytes.length, offset + bytes);
        let stop = offset;
        while (stop + 1 < end && (this.bytes[stop] !== 0 || this.bytes[stop + 1] !== 0))
            stop += 2;
        return utf16.decode(this.bytes.subarray(offset, stop));
    }
    /** A NUL-terminated 8-bit string (UTF-8) starting at `offset`, at most up to the end of the view. */
    cString(offset, maxBytes = this.bytes.length) {
        const end = Math.min(this.bytes.length, offset + maxBytes);
        let stop = Math.max(0, offset);
        while (stop < end && this.bytes[stop] !== 0)
            stop++;
        return utf8.decode(this.bytes.subarray(offset, stop));
    }
}
function decodeUtf16(bytes) {
    return utf16.decode(bytes.subarray(0, bytes.length & -2));
}
function hex(value, width = 0) {
    return "0x" + value.toString(16).padStart(width, "0");
}

/**
 * Thread CONTEXT records (winnt.h layouts) for x86 (0x2cc bytes), AMD64 (0x4d0) and ARM64 (0x390), with
 * WinDbg register names, and the extended state that follows an x86/AMD64 CONTEXT when ContextFlags has
 * CONTEXT_XSTATE: a CONTEXT_EX (three {Offset, Length} chunks relative to itself: All, Legacy, XState)
 * whose XState chunk is an XSAVE area header (Mask, CompactionMask, 48 reserved bytes) followed by the
 * extended components, in the compacted format when bit 63 of CompactionMask is set (Intel SDM vol. 1
 * ch. 13), else at their standard offsets.
 */
const CONTEXT_SIZE = { x86: 0x2cc, x64: 0x4d0, arm64: 0x390 };
/** Bytes needed for the general registers: through SegSs (x86), Rip (x64), Pc (arm64). */
const MIN_SIZE = { x86: 0xcc, x64: 0x100, arm64: 0x110 };
const CONTEXT_I386 = 0x10000;
const CONTEXT_AMD64 = 0x100000;
const CONTEXT_ARM64 = 0x400000;
const CONTEXT_XSTATE_BIT = 0x40;
const COMPACTED = 1n << 63n;
/** Standard-format offsets and sizes of the user components (CPUID leaf 0xD values on current CPUs). */
const KNOWN_FEATURES = new Map([
    [2, { offset: 576, size: 256 }], // AVX (YMM_Hi128)
    [3, { offset: 960, size: 64 }], // MPX BNDREGS
    [4, { offset: 1024, size: 64 }], // MPX BNDCSR
    [5, { offset: 1088, size: 64 }], // AVX-512 opmask
    [6, { offset: 1152, size: 512 }], // AVX-512 ZMM_Hi256
    [7, { offset: 1664, size: 1024 }], // AVX-512 Hi16_ZMM
    [8, { offset: 0, size: 128 }], // PT (supervisor)
    [9, { offset: 2688, size: 8 }], // PKRU
    [10, { offset: 0, size: 8 }], // PASID (supervisor)
    [11, { offset: 0, size: 16 }], // CET_U (supervisor): U_CET MSR, PL3_SSP
    [12, { offset: 0, size: 24 }], // CET_S (supervisor)
    [13, { offset: 0, size: 8 }], // HDC
    [14, { offset: 0, size: 48 }], // UINTR
    [16, { offset: 0, size: 8 }], // HWP
    [17, { offset: 2752, size: 64 }], // AMX TILECFG
    [18, { offset: 2816, size: 8192 }], // AMX TILEDATA
]);
/** Components that start on a 64-byte boundary in the compacted format. */
const ALIGNED_FEATURES = new Set([17, 18]);
function xstateFeatureName(bit) {
    if (bit === 0)
        return "x87";
    if (bit === 1)
        return "SSE";
    if (bit === 2)
        return "AVX";
    if (bit === 3 || bit === 4)
        return "MPX";
    if (bit >= 5 && bit <= 7)
        return "AVX-512";
    if (bit === 9)
        return "PKRU";
    if (bit === 11)
        return "CET_U";
    if (bit === 12)
        return "CET_S";
    return `bit${bit}`;
}
function featureNames(mask) {
    const names = [];
    for (let bit = 0; bit < 63; bit++) {
        if ((mask >> BigInt(bit)) & 1n) {
            const name = xstateFeatureName(bit);
            if (!names.includes(name))
                names.push(name);
        }
    }
    return names;
}
/**
 * The architecture a context's flags claim: exactly one CPU bit (CONTEXT_i386 / _AMD64 / _ARM64) among bits
 * 8..26, ignoring the low feature bits and the high CONTEXT_EXCEPTION_* / UNWOUND_TO_CALL status bits.
 */
function archFromContextFlags(flags) {
    const cpu = flags & 0x07ffff00;
    return cpu === CONTEXT_AMD64 ? "x64" : cpu === CONTEXT_ARM64 ? "arm64" : cpu === CONTEXT_I386 ? "x86" : "unknown";
}
/** Guess a context's architecture without SystemInfo: its flags first, its size second. */
function guessContextArch(bytes) {
    const v = new LeView(bytes);
    const at0 = v.has(0, 4) ? archFromContextFlags(v.u32(0)) : "unknown";
    const at30 = v.has(0x30, 4) ? archFromContextFlags(v.u32(0x30)) : "unknown";
    if (at30 === "x64" && bytes.length >= CONTEXT_SIZE.x64)
        return "x64";
    if (at0 === "x86" || at0 === "arm64")
        return at0;
    if (at30 === "x64")
        return "x64";
    if (bytes.length >= CONTEXT_SIZE.x64)
        return "x64";
    if (bytes.length >= CONTEXT_SIZE.arm64)
        return "arm64";
    if (bytes.length >= CONTEXT_SIZE.x86)
        return "x86";
    return "unknown";
}
const X86_REGS = [
    ["gs", 0x8c], ["fs", 0x90], ["es", 0x94], ["ds", 0x98], ["edi", 0x9c], ["esi", 0xa0], ["ebx", 0xa4], ["edx", 0xa8],
    ["ecx", 0xac], ["eax", 0xb0], ["ebp", 0xb4], ["eip", 0xb8], ["cs", 0xbc], ["efl", 0xc0], ["esp", 0xc4], ["ss", 0xc8],
    ["dr0", 0x04], ["dr1", 0x08], ["dr2", 0x0c], ["dr3", 0x10], ["dr6", 0x14], ["dr7", 0x18],
];
const X64_REGS64 = [
    ["rax", 0x78], ["rcx", 0x80], ["rdx", 0x88], ["rbx", 0x90], ["rsp", 0x98], ["rbp", 0xa0], ["rsi", 0xa8], ["rdi", 0xb0],
    ["r8", 0xb8], ["r9", 0xc0], ["r10", 0xc8], ["r11", 0xd0], ["r12", 0xd8], ["r13", 0xe0], ["r14", 0xe8], ["r15", 0xf0],
    ["rip", 0xf8], ["dr0", 0x48], ["dr1", 0x50], ["dr2", 0x58], ["dr3", 0x60], ["dr6", 0x68], ["dr7", 0x70],
];
const X64_SEGS = [["cs", 0x38], ["ds", 0x3a], ["es", 0x3c], ["fs", 0x3e], ["gs", 0x40], ["ss", 0x42]];
/** Parse one CONTEXT record of a known architecture; undefined (and a warning) when it is too short. */
function parseContext(bytes, arch, opts) {
    if (arch === "unknown") {
        opts.warn(`${opts.what}: context of unknown architecture (${bytes.length} bytes) not parsed`);
        return undefined;
    }
    if (bytes.length < MIN_SIZE[arch]) {
        opts.warn(`${opts.what}: ${arch} context is ${bytes.length} bytes, shorter than the ${MIN_SIZE[arch]} bytes its registers need`);
        return undefined;
    }
    const v = new LeView(bytes);
    const registers = {};
    let contextFlags;
    if (arch === "x86") {
        contextFlags = v.u32(0);
        for (const [name, off] of X86_REGS)
            registers[name] = BigInt(v.u32(off));
    }
    else if (arch === "x64") {
        contextFlags = v.u32(0x30);
        for (const [name, off] of X64_REGS64)
            registers[name] = v.u64(off);
        for (const [name, off] of X64_SEGS)
            registers[name] = BigInt(v.u16(off));
        registers.efl = BigInt(v.u32(0x44));
        registers.mxcsr = BigInt(v.u32(0x34));
    }
    else {
        contextFlags = v.u32(0);
        registers.cpsr = BigInt(v.u32(4));
        for (let i = 0; i < 29; i++)
            registers[`x${i}`] = v.u64(8 + i * 8);
        registers.fp = v.u64(240);
        registers.lr = v.u64(248);
        registers.sp = v.u64(256);
        registers.pc = v.u64(264);
    }
    const xstate = arch === "arm64" ? undefined : parseXState(v, arch, contextFlags, opts);
    return xstate ? { arch, contextFlags, registers, xstate } : { arch, contextFlags, registers };
}
function parseXState(v, arch, flags, opts) {
    const base = CONTEXT_SIZE[arch];
    if (!(flags & CONTEXT_XSTATE_BIT) || v.length <= base)
        return undefined;
    if (!v.has(base, 24)) {
        opts.warn(`${opts.what}: CONTEXT_XSTATE is set but the ${v.length}-byte context has no room for CONTEXT_EX`);
        return undefined;
    }
    const xOff = base + v.i32(base + 16);
    const xLen = v.u32(base + 20);
    if (xOff < base || xLen < 64 || !v.has(xOff, 64)) {
        opts.warn(`${opts.what}: CONTEXT_EX XState chunk (offset ${xOff - base}, ${xLen} bytes) is outside the ${v.length}-byte context`);
        return undefined;
    }
    const areaEnd = Math.min(v.length, xOff + xLen);
    if (xOff + xLen > v.length)
        opts.warn(`${opts.what}: CONTEXT_EX XState chunk runs ${xOff + xLen - v.length} bytes past the context; cut`);
    const mask = v.u64(xOff);
    const compaction = v.u64(xOff + 8);
    const compacted = (compaction & COMPACTED) !== 0n;
    const saved = compacted ? compaction & ~COMPACTED : mask;
    const feature = (i) => {
        const f = opts.xstateFeatures?.get(i);
        return f && f.size > 0 ? f : KNOWN_FEATURES.get(i);
    };
    /** Offset of component `bit` from the XSAVE area start, or undefined when it cannot be located. */
    const locate = (bit) => {
        if (!((saved >> BigInt(bit)) & 1n))
            return undefined;
        if (!compacted) {
            const f = feature(bit);
            return f && f.offset >= 576 ? f.offset : undefined;
        }
        let off = 576;
        for (let i = 2; i < 63; i++) {
            if (!((saved >> BigInt(i)) & 1n))
                continue;
            if (ALIGNED_FEATURES.has(i))
                off = (off + 63) & -64;
            if (i === bit)
                return off;
            const f = feature(i);
            if (!f)
                return undefined;
            off += f.size;
        }
        return undefined;
    };
    const result = {
        mask,
        features: featureNames(mask),
        saved,
        compacted,
    };
    const cetOff = locate(11);
    if (cetOff !== undefined) {
        // The area starts with the 64-byte header, which sits at offset 512 of an XSAVE image.
        const at = xOff + (cetOff - 512);
        if (at + 16 <= areaEnd)
            result.ssp = (mask >> 11n) & 1n ? v.u64(at + 8) : 0n;
        else
            opts.warn(`${opts.what}: CET_U state at ${hex(at)} lies outside the XState chunk`);
    }
    return result;
}

/**
 * Parsers of the individual minidump streams (minidumpapiset.h layouts, 4-byte packed; Breakpad's
 * BreakpadInfo/AssertionInfo and Crashpad's CrashpadInfo extensions). Each takes the stream's bytes and
 * an environment that reads other parts of the file (strings, CodeView records) and collects warnings.
 * Every count is cut to what the stream's bytes can hold; nothing allocates by a claimed size.
 */
const STREAM_NAMES = {
    0: "UnusedStream", 1: "ReservedStream0", 2: "ReservedStream1", 3: "ThreadListStream", 4: "ModuleListStream",
    5: "MemoryListStream", 6: "ExceptionStream", 7: "SystemInfoStream", 8: "ThreadExListStream", 9: "Memory64ListStream",
    10: "CommentStreamA", 11: "CommentStreamW", 12: "HandleDataStream", 13: "FunctionTableStream",
    14: "UnloadedModuleListStream", 15: "MiscInfoStream", 16: "MemoryInfoListStream", 17: "ThreadInfoListStream",
    18: "HandleOperationListStream", 19: "TokenStream", 20: "JavaScriptDataStream", 21: "SystemMemoryInfoStream",
    22: "ProcessVmCountersStream", 23: "IptTraceStream", 24: "ThreadNamesStream",
    0x47670001: "BreakpadInfoStream", 0x47670002: "AssertionInfoStream", 0x47670003: "LinuxCpuInfo",
    0x47670004: "LinuxProcStatus", 0x47670005: "LinuxLsbRelease", 0x47670006: "LinuxCmdLine", 0x47670007: "LinuxEnviron",
    0x47670008: "LinuxAuxv", 0x47670009: "LinuxMaps", 0x4767000a: "LinuxDsoDebug", 0x43500001: "CrashpadInfoStream",
    0x4d7a0001: "MozMacosCrashInfoStream", 0x4d7a0002: "MozMacosBootargsStream", 0x4d7a0003: "MozLinuxLimits",
};
function streamName(type) {
    return STREAM_NAMES[type] ?? `Unknown(${hex(type)})`;
}
const TYPE_FLAGS = [
    "MiniDumpWithDataSegs", "MiniDumpWithFullMemory", "MiniDumpWithHandleData", "MiniDumpFilterMemory", "MiniDumpScanMemory",
    "MiniDumpWithUnloadedModules", "MiniDumpWithIndirectlyReferencedMemory", "MiniDumpFilterModulePaths",
    "MiniDumpWithProcessThreadData", "MiniDumpWithPrivateReadWriteMemory", "MiniDumpWithoutOptionalData",
    "MiniDumpWithFullMemoryInfo", "MiniDumpWithThreadInfo", "MiniDumpWithCodeSegs", "MiniDumpWithoutAuxiliaryState",
    "MiniDumpWithFullAuxiliaryState", "MiniDumpWithPrivateWriteCopyMemory", "MiniDumpIgnoreInaccessibleMemory",
    "MiniDumpWithTokenInformation", "MiniDumpWithModuleHeaders", "MiniDumpFilterTriage", "MiniDumpWithAvxXStateContext",
    "MiniDumpWithIptTrace", "MiniDumpScanInaccessiblePartialPages", "MiniDumpFilterWriteCombinedMemory",
];
function dumpTypeFlagNames(flags) {
    const names = [];
    for (let bit = 0; bit < 64; bit++) {
        if ((flags >> BigInt(bit)) & 1n)
            names.push(TYPE_FLAGS[bit] ?? `bit${bit}`);
    }
    return names;
}
/** Warn and say so when a stream is shorter than the `need` bytes of its fixed part. */
function short(v, need, what, env) {
    if (v.has(0, need))
        return false;
    env.warn(`${what}: ${v.length} bytes, shorter than the ${need} bytes of its fixed part`);
    return true;
}
/** How many `entrySize`-byte entries fit in `available` bytes; warns when `claimed` is more. */
function fitCount(claimed, available, entrySize, what, env) {
    const max = entrySize > 0 ? Math.floor(Math.max(0, available) / entrySize) : 0;
    if (BigInt(claimed) > BigInt(max)) {
        env.warn(`${what}: claims ${claimed} entries but its ${Math.max(0, available)} bytes hold ${max}; read ${max}`);
        return max;
    }
    return Number(claimed);
}
/** `NumberOfX` followed by fixed entries; some writers pad 4 bytes after the count. */
function countedList(v, entrySize, what, env) {
    if (!v.has(0, 4)) {
        env.warn(`${what}: stream is ${v.length} bytes, too short for its count`);
        return { start: 4, count: 0 };
    }
    const claimed = v.u32(0);
    const start = v.length === 8 + claimed * entrySize && claimed > 0 ? 8 : 4;
    return { start, count: fitCount(claimed, v.length - start, entrySize, what, env) };
}
/** Header-sized lists (UnloadedModuleList, ThreadInfoList, MemoryInfoList, HandleData): SizeOfHeader, SizeOfEntry, count. */
function sizedList(v, minHeader, minEntry, count, what, env) {
    const header = v.u32(0);
    const entry = v.u32(4);
    if (header < minHeader || header > v.length) {
        env.warn(`${what}: header size ${header} is not usable (expected ${minHeader}..${v.length})`);
        return undefined;
    }
    if (entry < minEntry) {
        env.warn(`${what}: entry size ${entry} is smaller than the ${minEntry} bytes an entry needs`);
        return undefined;
    }
    return { header, entry, count: fitCount(count, v.length - header, entry, what, env) };
}
/** VER_PLATFORM_* values and Breakpad's extensions. */
const PLATFORMS = {
    0: "Windows 3.1 (Win32s)", 1: "Windows", 2: "Windows NT", 3: "Windows CE", 0x8000: "Unix", 0x8101: "Mac OS X",
    0x8102: "iOS", 0x8201: "Linux", 0x8202: "Solaris", 0x8203: "Android", 0x8204: "PS3", 0x8205: "NaCl", 0x8206: "Fuchsia",
};
function parseSystemInfo(v, env) {
    if (short(v, 32, "SystemInfoStream", env))
        return undefined;
    if (v.length < 56)
        env.warn(`SystemInfoStream: ${v.length} bytes, shorter than 56; CPU information missing`);
    const processorArchitecture = v.u16(0);
    const arch = { 0: "x86", 10: "x86", 9: "x64", 12: "arm64" }[processorArchitecture] ?? "unknown";
    const platformId = v.u32(20);
    const csdRva = v.u32(24);
    let vendor;
    if (arch === "x86" && v.has(32, 24)) {
        const raw = v.bytes.subarray(32, 44);
        if (raw.some((b) => b !== 0))
            vendor = String.fromCharCode(...raw).replace(/\0+$/, "");
    }
    const info = {
        arch, processorArchitecture, processorLevel: v.u16(2), processorRevision: v.u16(4), processorCount: v.u8(6), productType: v.u8(7),
        majorVersion: v.u32(8), minorVersion: v.u32(12), buildNumber: v.u32(16), platformId,
        platform: PLATFORMS[platformId] ?? `platform ${hex(platformId)}`,
        csdVersion: (csdRva ? env.string(csdRva, "SystemInfoStream CSDVersion") : undefined) ?? "",
        suiteMask: v.has(28, 2) ? v.u16(28) : 0,
    };
    return vendor !== undefined ? { ...info, vendor } : info;
}
function parseMiscInfo(v, env) {
    if (short(v, 8, "MiscInfoStream", env))
        return undefined;
    const declared = v.u32(0);
    if (declared > v.length)
        env.warn(`MiscInfoStream: SizeOfInfo ${declared} is larger than the ${v.length}-byte stream`);
    const size = Math.min(declared, v.length);
    const version = size >= 1364 ? 5 : size >= 832 ? 4 : size >= 232 ? 3 : size >= 44 ? 2 : size >= 24 ? 1 : 0;
    if (version === 0) {
        env.warn(`MiscInfoStream: SizeOfInfo ${declared} is smaller than MINIDUMP_MISC_INFO (24)`);
        return undefined;
    }
    const flags1 = v.u32(4);
    const out = { version, flags1 };
    if (flags1 & 0x1)
        out.processId = v.u32(8);
    if (flags1 & 0x2)
        [out.processCreateTime, out.processUserTime, out.processKernelTime] = [v.u32(12), v.u32(16), v.u32(20)];
    if (version >= 2 && flags1 & 0x4)
        [out.processorMaxMhz, out.processorCurrentMhz] = [v.u32(24), v.u32(28)];
    if (version >= 3) {
        if (flags1 & 0x10)
            out.processIntegrityLevel = v.u32(44);
        if (flags1 & 0x20)
            out.processExecuteFlags = v.u32(48);
        if (flags1 & 0x80)
            out.protectedProcess = v.u32(52);
        if (flags1 & 0x40)
            [out.timeZoneId, out.timeZoneName] = [v.u32(56), v.fixedUtf16(64, 64)];
    }
    if (version >= 4 && flags1 & 0x100)
        [out.buildString, out.dbgBuildString] = [v.fixedUtf16(232, 520), v.fixedUtf16(752, 80)];
    if (version >= 5) {
        if (flags1 & 0x200)
            out.processCookie = v.u32(1360);
        out.xstateContextSize = v.u32(836);
        const enabled = v.u64(840);
        out.xstateEnabled = enabled;
        const features = new Map();
        for (let i = 0; i < 64; i++) {
            if ((enabled >> BigInt(i)) & 1n)
                features.set(i, { offset: v.u32(848 + i * 8), size: v.u32(852 + i * 8) });
        }
        out.xstateFeatures = features;
    }
    return out;
}
/** ThreadListStream (48-byte MINIDUMP_THREAD) or ThreadExListStream (64-byte MINIDUMP_THREAD_EX). */
function parseThreadList(v, ex, env) {
    const entry = ex ? 64 : 48;
    const what = ex ? "ThreadExListStream" : "ThreadListStream";
    const { start, count } = countedList(v, entry, what, env);
    const threads = [];
    for (let i = 0; i < count; i++) {
        const o = start + i * entry;
        const t = {
            id: v.u32(o), suspendCount: v.u32(o + 4), priorityClass: v.u32(o + 8), priority: v.u32(o + 12), teb: v.u64(o + 16),
            stack: { start: v.u64(o + 24), size: v.u32(o + 32), rva: v.u32(o + 36) },
            contextSize: v.u32(o + 40), contextRva: v.u32(o + 44),
        };
        threads.push(ex ? { ...t, backingStore: { start: v.u64(o + 48), size: v.u32(o + 56), rva: v.u32(o + 60) } } : t);
    }
    return threads;
}
const hex8 = (n) => n.toString(16).toUpperCase().padStart(8, "0");
const hex4 = (n) => n.toString(16).toUpperCase().padStart(4, "0");
function guidText(v, o) {
    const d4 = Array.from(v.bytes.subarray(o + 8, o + 16), (b) => b.toString(16).toUpperCase().padStart(2, "0")).join("");
    const d1 = hex8(v.u32(o));
    const d2 = hex4(v.u16(o + 4));
    const d3 = hex4(v.u16(o + 6));
    return { plain: d1 + d2 + d3 + d4, dashed: `${d1}-${d2}-${d3}-${d4.slice(0, 4)}-${d4.slice(4)}` };
}
function parseCodeView(bytes) {
    const v = new LeView(bytes);
    if (!v.has(0, 4))
        return { kind: "unknown" };
    const sig = v.u32(0);
    if (sig === 0x53445352 && v.has(4, 20)) {
        const g = guidText(v, 4);
        const age = v.u32(20);
        return { kind: "RSDS", pdbName: v.cString(24), guid: g.dashed, age, debugId: g.plain + age.toString(16) };
    }
    if (sig === 0x3031424e && v.has(4, 12)) {
        const signature = v.u32(8);
        const age = v.u32(12);
        return { kind: "NB10", pdbName: v.cString(16), signature, age, debugId: hex8(signature) + age.toString(16) };
    }
    if (sig === 0x4270454c) {
        const id = new Uint8Array(16);
        id.set(bytes.subarray(4, 20));
        const g = guidText(new LeView(id), 0);
        return { kind: "ELF", guid: g.dashed, debugId: g.plain + "0" };
    }
    return { kind: "unknown" };
}
function versionOf(v, o) {
    if (v.u32(o) !== 0xfeef04bd)
        return undefined;
    const quad = (ms, ls) => `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`;
    return {
        fileVersion: quad(v.u32(o + 8), v.u32(o + 12)),
        productVersion: quad(v.u32(o + 16), v.u32(o + 20)),
        fileFlags: v.u32(o + 28),
        fileOs: v.u32(o + 32),
        fileType: v.u32(o + 36),
    };
}
function fileName(path) {
    const cut = Math.max(path.lastIndexOf("\\"), path.lastIndexOf("/"));
    return path.slice(cut + 1);
}
const CV_MAX = 64 * 1024;
function parseModuleList(v, env) {
    const { start, count } = countedList(v, 108, "ModuleListStream", env);
    const modules = [];
    for (let i = 0; i < count; i++) {
        const o = start + i * 108;
        const base = v.u64(o);
        const size = v.u32(o + 8);
        const timestamp = v.u32(o + 16);
        const path = env.string(v.u32(o + 20), `module ${i} (${hex(base)}) name`) ?? "";
        const cvSize = v.u32(o + 76);
        const cvRva = v.u32(o + 80);
        let codeView;
        if (cvSize > 0 && cvRva > 0) {
            if (cvSize > CV_MAX)
                env.warn(`module ${fileName(path) || i}: CodeView record claims ${cvSize} bytes; read ${CV_MAX}`);
            codeView = parseCodeView(env.read(cvRva, Math.min(cvSize, CV_MAX), `module ${fileName(path) || i} CodeView record`));
        }
        const version = versionOf(v, o + 24);
        const m = {
            base, size, checksum: v.u32(o + 12), timestamp, path, name: fileName(path),
            codeId: hex8(timestamp) + size.toString(16),
            ...(version ? { version } : {}),
            ...(codeView ? { codeView } : {}),
        };
        modules.push(m);
    }
    return modules;
}
function parseUnloadedModules(v, env) {
    if (short(v, 12, "UnloadedModuleListStream", env))
        return [];
    const list = sizedList(v, 12, 24, v.u32(8), "UnloadedModuleListStream", env);
    if (!list)
        return [];
    const out = [];
    for (let i = 0; i < list.count; i++) {
        const o = list.header + i * list.entry;
        const path = env.string(v.u32(o + 20), `unloaded module ${i} name`) ?? "";
        out.push({ base: v.u64(o), size: v.u32(o + 8), checksum: v.u32(o + 12), timestamp: v.u32(o + 16), path, name: fileName(path) });
    }
    return out;
}
function readExceptionRecord(v, o, env, what) {
    const n = v.u32(o + 24);
    if (n > 15)
        env.warn(`${what}: NumberParameters ${n} is more than the 15 a record holds; read 15`);
    const parameters = [];
    for (let i = 0; i < Math.min(n, 15); i++)
        parameters.push(v.u64(o + 32 + i * 8));
    return { code: v.u32(o), flags: v.u32(o + 4), nestedRecord: v.u64(o + 8), address: v.u64(o + 16), parameters };
}
function parseException(v, env) {
    if (!v.has(0, 168)) {
        env.warn(`ExceptionStream: ${v.length} bytes, shorter than MINIDUMP_EXCEPTION_STREAM (168)`);
        if (!v.has(0, 40))
            return undefined;
        const padded = new Uint8Array(168);
        padded.set(v.bytes);
        v = new LeView(padded);
    }
    return { threadId: v.u32(0), record: readExceptionRecord(v, 8, env, "ExceptionStream"), contextSize: v.u32(160), contextRva: v.u32(164) };
}
/** Cut a descriptor whose bytes run past the end of the file. */
function fitDescriptor(d, env, what) {
    if (d.size === 0)
        return undefined;
    if (d.rva >= env.fileSize) {
        env.warn(`${what}: range ${hex(d.start)} (${d.size} bytes) has its data at ${hex(d.rva)}, past the end of the file; dropped`);
        return undefined;
    }
    if (d.rva + d.size > env.fileSize) {
        const size = env.fileSize - d.rva;
        env.warn(`${what}: range ${hex(d.start)} claims ${d.size} bytes but the file ends after ${size}; cut`);
        return { ...d, size };
    }
    return d;
}
function parseMemoryList(v, env) {
    const { start, count } = countedList(v, 16, "MemoryListStream", env);
    const out = [];
    for (let i = 0; i < count; i++) {
        const o = start + i * 16;
        const d = fitDescriptor({ start: v.u64(o), size: v.u32(o + 8), rva: v.u32(o + 12) }, env, "MemoryListStream");
        if (d)
            out.push(d);
    }
    return out;
}
function parseMemory64List(v, env) {
    if (short(v, 16, "Memory64ListStream", env))
        return [];
    const count = fitCount(v.u64(0), v.length - 16, 16, "Memory64ListStream", env);
    let rva = v.u64(8);
    const out = [];
    for (let i = 0; i < count; i++) {
        const o = 16 + i * 16;
        const start = v.u64(o);
        const size = v.u64(o + 8);
        if (rva >= BigInt(env.fileSize)) {
            env.warn(`Memory64ListStream: ranges ${i}..${count - 1} have their data past the end of the file; dropped`);
            break;
        }
        const avail = BigInt(env.fileSize) - rva;
        const d = fitDescriptor({ start, size: Number(size > avail ? avail + 1n : size), rva: Number(rva) }, env, "Memory64ListStream");
        if (d)
            out.push(d);
        rva += size;
    }
    return out;
}
function parseMemoryInfoList(v, env) {
    if (short(v, 16, "MemoryInfoListStream", env))
        return [];
    const list = sizedList(v, 16, 48, v.u64(8), "MemoryInfoListStream", env);
    if (!list)
        return [];
    const out = [];
    for (let i = 0; i < list.count; i++) {
        const o = list.header + i * list.entry;
        out.push({
            base: v.u64(o), allocationBase: v.u64(o + 8), allocationProtect: v.u32(o + 16), regionSize: v.u64(o + 24),
            state: v.u32(o + 32), protect: v.u32(o + 36), type: v.u32(o + 40),
        });
    }
    return out;
}
function parseHandleData(v, env) {
    if (short(v, 16, "HandleDataStream", env))
        return [];
    const list = sizedList(v, 16, 32, v.u32(8), "HandleDataStream", env);
    if (!list)
        return [];
    const out = [];
    for (let i = 0; i < list.count; i++) {
        const o = list.header + i * list.entry;
        const handle = v.u64(o);
        const typeRva = v.u32(o + 8);
        const nameRva = v.u32(o + 12);
        const typeName = typeRva ? env.string(typeRva, `handle ${hex(handle)} type name`) : undefined;
        const objectName = nameRva ? env.string(nameRva, `handle ${hex(handle)} object name`) : undefined;
        out.push({
            handle,
            ...(typeName !== undefined ? { typeName } : {}),
            ...(objectName !== undefined ? { objectName } : {}),
            attributes: v.u32(o + 16), grantedAccess: v.u32(o + 20), handleCount: v.u32(o + 24), pointerCount: v.u32(o + 28),
            ...(list.entry >= 40 ? { objectInfoRva: v.u32(o + 32) } : {}),
        });
    }
    return out;
}
function parseThreadNames(v, env) {
    const { start, count } = countedList(v, 12, "ThreadNamesStream", env);
    const names = new Map();
    for (let i = 0; i < count; i++) {
        const o = start + i * 12;
        const id = v.u32(o);
        const rva = v.u64(o + 4);
        if (rva === 0n)
            continue;
        if (rva >= BigInt(env.fileSize)) {
            env.warn(`ThreadNamesStream: thread ${hex(id)} name at ${hex(rva)} is past the end of the file`);
            continue;
        }
        const name = env.string(Number(rva), `thread ${hex(id)} name`);
        if (name !== undefined)
            names.set(id, name);
    }
    return names;
}
function parseThreadInfoList(v, env) {
    if (short(v, 12, "ThreadInfoListStream", env))
        return new Map();
    const list = sizedList(v, 12, 64, v.u32(8), "ThreadInfoListStream", env);
    const out = new Map();
    if (!list)
        return out;
    for (let i = 0; i < list.count; i++) {
        const o = list.header + i * list.entry;
        const threadId = v.u32(o);
        out.set(threadId, {
            threadId, dumpFlags: v.u32(o + 4), dumpError: v.u32(o + 8), exitStatus: v.u32(o + 12), createTime: v.u64(o + 16),
            exitTime: v.u64(o + 24), kernelTime: v.u64(o + 32), userTime: v.u64(o + 40), startAddress: v.u64(o + 48), affinity: v.u64(o + 56),
        });
    }
    return out;
}
function parseToken(v, env) {
    if (short(v, 16, "TokenStream", env))
        return undefined;
    const claimed = v.u32(4);
    const headerSize = v.u32(8);
    const elementHeader = v.u32(12);
    const entries = [];
    let o = Math.max(16, headerSize);
    for (let i = 0; i < claimed; i++) {
        if (!v.has(o, 16)) {
            env.warn(`TokenStream: claims ${claimed} tokens but the stream ends after ${i}`);
            break;
        }
        const size = v.u32(o);
        if (size < Math.max(16, elementHeader)) {
            env.warn(`TokenStream: token ${i} has size ${size}, smaller than its header; stopped`);
            break;
        }
        entries.push({ tokenId: v.u32(o + 4), size });
        o += size;
    }
    return { count: claimed, entries };
}
function parseFunctionTable(v, env) {
    if (short(v, 24, "FunctionTableStream", env))
        return undefined;
    const headerSize = v.u32(0);
    const descSize = v.u32(4);
    const nativeSize = v.u32(8);
    const entrySize = v.u32(12);
    const count = v.u32(16);
    const tables = [];
    if (descSize < 32) {
        env.warn(`FunctionTableStream: descriptor size ${descSize} is smaller than 32`);
        return { entrySize, count, tables };
    }
    // The header's SizeOfAlignPad bytes follow the header; each descriptor's own pad follows its entries.
    let o = Math.max(24, headerSize) + v.u32(20);
    for (let i = 0; i < count; i++) {
        if (!v.has(o, descSize)) {
            env.warn(`FunctionTableStream: claims ${count} tables but the stream ends after ${i}`);
            break;
        }
        const entryCount = v.u32(o + 24);
        tables.push({ minimumAddress: v.u64(o), maximumAddress: v.u64(o + 8), baseAddress: v.u64(o + 16), entryCount });
        o += descSize + nativeSize + entryCount * entrySize + v.u32(o + 28);
    }
    return { entrySize, count, tables };
}
function parseBreakpadInfo(v, env) {
    if (short(v, 12, "BreakpadInfoStream", env))
        return undefined;
    const validity = v.u32(0);
    return {
        ...(validity & 1 ? { dumpThreadId: v.u32(4) } : {}),
        ...(validity & 2 ? { requestingThreadId: v.u32(8) } : {}),
    };
}
function parseAssertion(v, env) {
    if (short(v, 776, "AssertionInfoStream", env))
        return undefined;
    return { expression: v.fixedUtf16(0, 256), function: v.fixedUtf16(256, 256), file: v.fixedUtf16(512, 256), line: v.u32(768), type: v.u32(772) };
}
function parseCrashpadInfo(v, env) {
    if (short(v, 36, "CrashpadInfoStream", env))
        return undefined;
    return { version: v.u32(0), reportId: guidText(v, 4).dashed, clientId: guidText(v, 20).dashed };
}
const latin1 = new TextDecoder("latin1");
function parseComment(bytes, wide) {
    if (!wide) {
        const end = bytes.indexOf(0);
        return latin1.decode(bytes.subarray(0, end < 0 ? bytes.length : end));
    }
    let end = 0;
    while (end + 1 < bytes.length && (bytes[end] !== 0 || bytes[end + 1] !== 0))
        end += 2;
    return decodeUtf16(bytes.subarray(0, end));
}

/**
 * `Minidump`: a lazy, cached, damage-tolerant reader of Windows minidumps (see types.ts for the shapes).
 * `open` reads only the header and stream directory and throws `MinidumpError` when they are unusable;
 * every stream is parsed when first asked for and cached. Damage inside a stream never throws from an
 * accessor: the reader returns what it could read and adds a line to `warnings`.
 */
const SIGNATURE = 0x504d444d;
const VERSION = 0xa793;
const MAX_STREAMS = 0x10000;
const MAX_STRING_BYTES = 0x10000;
const MAX_CONTEXT_BYTES = 0x10000;
const MAX_WARNINGS = 500;
const MAX_NESTED_EXCEPTIONS = 32;
/** Bytes compared to tell duplicate memory captures from conflicting ones. */
const OVERLAP_COMPARE_BUDGET = 16 << 20;
const S = {
    threads: 3, modules: 4, memory: 5, exception: 6, system: 7, threadsEx: 8, memory64: 9, commentA: 10, commentW: 11,
    handles: 12, functionTable: 13, unloaded: 14, misc: 15, memoryInfo: 16, threadInfo: 17, token: 19, threadNames: 24,
    breakpad: 0x47670001, assertion: 0x47670002, crashpad: 0x43500001,
};
const INTERPRETED = new Set(Object.values(S));
function printable(bytes) {
    return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)).join("");
}
class Minidump {
    source;
    directory;
    header;
    warningList = [];
    warned = new Set();
    cache = new Map();
    env;
    closed = false;
    /**
     * Bytes that names, CodeView records and contexts may read in all: damaged counts can make thousands of
     * entries point at large garbage strings; this keeps the work proportional to the file, not the claims.
     */
    structureBudget;
    compareBudget = OVERLAP_COMPARE_BUDGET;
    constructor(source, header, directory, openWarnings) {
        this.source = source;
        this.directory = directory;
        this.header = header;
        this.structureBudget = (16 << 20) + 4 * source.size;
        for (const w of openWarnings)
            this.warn(w);
        this.env = {
            fileSize: source.size,
            warn: (m) => this.warn(m),
            read: (rva, size, what) => this.readFile(rva, size, what),
            string: (rva, what) => this.readString(rva, what),
        };
    }
    /** Validate the header and stream directory; throws MinidumpError with a one-line reason. */
    static open(source) {
        try {
            return Minidump.openUnchecked(source);
        }
        catch (e) {
            if (e instanceof MinidumpError)
                throw e;
            throw new MinidumpError(`cannot read the dump: ${e?.message ?? String(e)}`, { cause: e });
        }
    }
    static openUnchecked(source) {
        const size = source.size;
        if (size === 0)
            throw new MinidumpError("not a minidump: the file is empty");
        const head = source.read(0, 32);
        const v = new LeView(head);
        if (head.length < 4 || v.u32(0) !== SIGNATURE) {
            throw new MinidumpError(`not a minidump: the file starts with '${printable(head.subarray(0, 4))}' (expected 'MDMP')`);
        }
        if (head.length < 32)
            throw new MinidumpError(`truncated: the ${size}-byte file is shorter than the 32-byte minidump header`);
        const version = v.u32(4);
        if ((version & 0xffff) !== VERSION) {
            throw new MinidumpError(`not a minidump: version ${hex(version & 0xffff)} in the header (expected 0xa793)`);
        }
        const count = v.u32(8);
        const dirRva = v.u32(12);
        if (count > MAX_STREAMS)
            throw new MinidumpError(`damaged header: it claims ${count} streams (at most ${MAX_STREAMS} are plausible)`);
        if (dirRva + count * 12 > size) {
            throw new MinidumpError(`truncated: the stream directory (${count} entries at ${hex(dirRva)}) runs past the end of the ${size}-byte file`);
        }
        const dir = new LeView(source.read(dirRva, count * 12));
        if (dir.length < count * 12)
            throw new MinidumpError(`truncated: the stream directory at ${hex(dirRva)} could not be read whole`);
        const warnings = [];
        const streams = [];
        const seen = new Set();
        for (let i = 0; i < count; i++) {
            const type = dir.u32(i * 12);
            let length = dir.u32(i * 12 + 4);
            const offset = dir.u32(i * 12 + 8);
            if (type === 0)
                continue;
            const name = streamName(type);
            const label = name.startsWith("Unknown(") ? name : `${name} (${hex(type)})`;
            if (offset + length > size) {
                const fit = Math.max(0, size - offset);
                warnings.push(`${label} at ${hex(offset)} claims ${length} bytes but the ${size}-byte file holds ${fit}; cut`);
                length = fit;
            }
            if (seen.has(type))
                warnings.push(`${label} appears more than once; the first is used`);
            seen.add(type);
            streams.push({ type, name, offset, size: length });
        }
        const flags = v.u64(24);
        const header = {
            version: version & 0xffff, implementationVersion: version >>> 16, streamCount: count, timestamp: v.u32(20), flags,
            flagNames: dumpTypeFlagNames(flags),
        };
        return new Minidump(source, header, streams, warnings);
    }
    /** Open a dump file (positional reads; the file is never loaded whole). */
    static openFile(path) {
        let source;
        try {
            source = openFileSource(path);
        }
        catch (e) {
            const code = e.code ?? e.message;
            throw new MinidumpError(`cannot open the dump file: ${code}`, { cause: e });
        }
        try {
            return Minidump.open(source);
        }
        catch (e) {
            source.close?.();
            throw e;
        }
    }
    get warnings() {
        return this.warningList;
    }
    streams() {
        return this.directory;
    }
    unknownStreams() {
        return this.directory.filter((s) => !INTERPRETED.has(s.type));
    }
    /** The raw bytes of the first stream of a type (cut to the file), for streams the reader does not interpret. */
    readStream(type) {
        const s = this.directory.find((d) => d.type === type);
        return s ? this.safe(() => this.source.read(s.offset, s.size), undefined) : undefined;
    }
    systemInfo() {
        return this.parsed(S.system, undefined, (v) => parseSystemInfo(v, this.env));
    }
    miscInfo() {
        return this.parsed(S.misc, undefined, (v) => parseMiscInfo(v, this.env));
    }
    threads() {
        return this.memo("threads", [], () => {
            // ThreadExListStream (with IA64 backing stores) is read only when there is no ThreadListStream.
            const list = this.parsed(S.threads, undefined, (v) => parseThreadList(v, false, this.env)) ??
                this.parsed(S.threadsEx, undefined, (v) => parseThreadList(v, true, this.env)) ?? [];
            return list.map((t) => {
                const what = `thread ${hex(t.id)}`;
                const bs = t.backingStore;
                return {
                    id: t.id, suspendCount: t.suspendCount, priorityClass: t.priorityClass, priority: t.priority, teb: t.teb, stack: t.stack,
                    context: this.context(t.contextSize, t.contextRva, what),
                    ...(bs && bs.size > 0 ? { backingStore: bs } : {}),
                };
            });
        });
    }
    threadNames() {
        return this.parsed(S.threadNames, new Map(), (v) => parseThreadNames(v, this.env));
    }
    threadInfo() {
        return this.parsed(S.threadInfo, new Map(), (v) => parseThreadInfoList(v, this.env));
    }
    modules() {
        return this.parsed(S.modules, [], (v) => parseModuleList(v, this.env));
    }
    unloadedModules() {
        return this.parsed(S.unloaded, [], (v) => parseUnloadedModules(v, this.env));
    }
    exception() {
        return this.parsed(S.exception, undefined, (v) => {
            const raw = parseException(v, this.env);
            if (!raw)
                return undefined;
            return { threadId: raw.threadId, record: raw.record, context: this.context(raw.contextSize, raw.contextRva, "the exception") };
        });
    }
    /**
     * The exception record followed by its nested records (EXCEPTION_RECORD32/64 read from captured memory
     * through each record's ExceptionRecord pointer); stops at a cycle, uncaptured memory or 32 records.
     */
    exceptionChain() {
        return this.memo("exceptionChain", [], () => {
            const first = this.exception()?.record;
            if (!first)
                return [];
            const chain = [first];
            const seen = new Set();
            const x86 = this.systemInfo()?.arch === "x86";
            let next = first.nestedRecord;
            while (next !== 0n) {
                if (seen.has(next)) {
                    this.warn(`nested exception records form a cycle at ${hex(next)}; stopped after ${chain.length}`);
                    break;
                }
                if (chain.length >= MAX_NESTED_EXCEPTIONS) {
                    this.warn(`more than ${MAX_NESTED_EXCEPTIONS} nested exception records; stopped`);
                    break;
                }
                seen.add(next);
                const bytes = this.readMemory(next, x86 ? 80 : 152);
                if (!bytes) {
                    this.warn(`nested exception record at ${hex(next)} is not in captured memory`);
                    break;
                }
                const rec = x86 ? widenRecord32(new LeView(bytes)) : new LeView(bytes);
                const record = readExceptionRecord(rec, 0, this.env, `nested exception record at ${hex(next)}`);
                chain.push(record);
                next = record.nestedRecord;
            }
            return chain;
        });
    }
    memoryRanges() {
        return this.memo("memoryRanges", [], () => {
            // Stacks stored only behind their thread descriptors (not in a memory list) are captured memory too;
            // they come last so a memory-list copy of the same bytes is the one kept.
            const stacks = [];
            for (const t of this.threads()) {
                const { start, rva } = t.stack;
                if (rva === 0 || t.stack.size === 0 || rva >= this.source.size)
                    continue;
                const size = Math.min(t.stack.size, this.source.size - rva);
                if (size < t.stack.size)
                    this.warn(`thread 0x${t.id.toString(16)}'s stack runs past the end of the file; cut to ${size} bytes`);
                stacks.push({ start, size, rva });
            }
            const all = [
                ...this.parsed(S.memory, [], (v) => parseMemoryList(v, this.env)),
                ...this.parsed(S.memory64, [], (v) => parseMemory64List(v, this.env)),
                ...stacks,
            ];
            const sorted = all.map((d, i) => ({ d, i })).sort((a, b) => (a.d.start < b.d.start ? -1 : a.d.start > b.d.start ? 1 : a.i - b.i));
            const out = [];
            let end = 0n;
            let overlaps = 0;
            const top = 1n << 64n;
            for (const { d } of sorted) {
                let { start, size, rva } = d;
                if (start + BigInt(size) > top) {
                    this.warn(`memory range ${hex(start)} (${size} bytes) runs past the top of the address space; cut`);
                    size = Number(top - start);
                }
                if (out.length > 0 && start < end) {
                    const skip = end - start;
                    if (!this.sameBytes(out, start, rva, Number(skip < BigInt(size) ? skip : BigInt(size))))
                        overlaps++;
                    if (skip >= BigInt(size))
                        continue;
                    start = end;
                    rva += Number(skip);
                    size -= Number(skip);
                }
                if (size <= 0)
                    continue;
                out.push({ start, size, rva });
                end = start + BigInt(size);
            }
            if (overlaps > 0) {
                this.warn(`${overlaps} memory range(s) overlap earlier ones with different bytes; the later range's overlapping bytes were dropped`);
            }
            return out;
        });
    }
    /** The captured range containing `address`, if any. */
    rangeAt(address) {
        const ranges = this.memoryRanges();
        const r = ranges[this.lastRangeAtOrBelow(ranges, address)];
        return r && address < r.start + BigInt(r.size) ? r : undefined;
    }
    readMemory(address, length) {
        if (typeof address !== "bigint" || address < 0n || !Number.isSafeInteger(length) || length < 0)
            return undefined;
        if (length === 0)
            return new Uint8Array(0);
        return this.safe(() => {
            const ranges = this.memoryRanges();
            const end = address + BigInt(length);
            let i = this.lastRangeAtOrBelow(ranges, address);
            if (i < 0)
                return undefined;
            const pieces = [];
            let cur = address;
            while (cur < end) {
                const r = ranges[i++];
                if (!r || r.start > cur)
                    return undefined;
                const rEnd = r.start + BigInt(r.size);
                if (cur >= rEnd)
                    return undefined;
                const take = Number((end < rEnd ? end : rEnd) - cur);
                pieces.push([r.rva + Number(cur - r.start), take]);
                cur += BigInt(take);
            }
            const read = (rva, n) => {
                const b = this.source.read(rva, n);
                return b.length === n ? b : undefined;
            };
            const [only] = pieces;
            if (pieces.length === 1 && only)
                return read(only[0], only[1]);
            const out = new Uint8Array(length);
            let pos = 0;
            for (const [rva, n] of pieces) {
                const b = read(rva, n);
                if (!b)
                    return undefined;
                out.set(b, pos);
                pos += n;
            }
            return out;
        }, undefined);
    }
    memoryInfo() {
        return this.parsed(S.memoryInfo, undefined, (v) => parseMemoryInfoList(v, this.env));
    }
    handles() {
        return this.parsed(S.handles, undefined, (v) => parseHandleData(v, this.env));
    }
    token() {
        return this.parsed(S.token, undefined, (v) => parseToken(v, this.env));
    }
    comments() {
        return this.memo("comments", {}, () => {
            const ascii = this.parsed(S.commentA, undefined, (v) => parseComment(v.bytes, false));
            const wide = this.parsed(S.commentW, undefined, (v) => parseComment(v.bytes, true));
            return { ...(ascii !== undefined ? { ascii } : {}), ...(wide !== undefined ? { wide } : {}) };
        });
    }
    functionTable() {
        return this.parsed(S.functionTable, undefined, (v) => parseFunctionTable(v, this.env));
    }
    breakpadInfo() {
        return this.parsed(S.breakpad, undefined, (v) => parseBreakpadInfo(v, this.env));
    }
    assertion() {
        return this.parsed(S.assertion, undefined, (v) => parseAssertion(v, this.env));
    }
    /** Crashpad's CrashpadInfo stream (0x43500001): version and report/client ids. */
    crashpadInfo() {
        return this.parsed(S.crashpad, undefined, (v) => parseCrashpadInfo(v, this.env));
    }
    close() {
        if (this.closed)
            return;
        this.closed = true;
        this.source.close?.();
    }
    // ---- internals ----
    warn(message) {
        if (this.warned.has(message))
            return;
        this.warned.add(message);
        if (this.warningList.length < MAX_WARNINGS)
            this.warningList.push(message);
        else if (this.warningList.length === MAX_WARNINGS)
            this.warningList.push(`more than ${MAX_WARNINGS} warnings; the rest are not listed`);
    }
    safe(fn, fallback) {
        try {
            return fn();
        }
        catch (e) {
            this.warn(`read failed: ${e?.message ?? String(e)}`);
            return fallback;
        }
    }
    memo(key, fallback, fn) {
        if (this.cache.has(key))
            return this.cache.get(key);
        this.cache.set(key, fallback); // a re-entrant call sees the fallback rather than recursing
        let value;
        try {
            value = fn();
        }
        catch (e) {
            this.warn(`${key}: could not be read (${e?.message ?? String(e)})`);
            value = fallback;
        }
        this.cache.set(key, value);
        return value;
    }
    /** Parse the first stream of `type` (cached); `fallback` when it is absent or unreadable. */
    parsed(type, fallback, parse) {
        return this.memo(streamName(type), fallback, () => {
            const s = this.directory.find((d) => d.type === type);
            return s ? parse(new LeView(this.source.read(s.offset, s.size))) : fallback;
        });
    }
    /** Take `bytes` from the structure-read budget; false (and one warning) once it is spent. */
    spend(bytes) {
        this.structureBudget -= bytes;
        if (this.structureBudget >= 0)
            return true;
        this.warn("names, CodeView records and contexts need more bytes than the whole file several times over (damaged counts?); the rest are skipped");
        return false;
    }
    readFile(rva, size, what) {
        if (!this.spend(Math.min(size, this.source.size)))
            return new Uint8Array(0);
        if (rva >= this.source.size) {
            this.warn(`${what}: at ${hex(rva)}, past the end of the ${this.source.size}-byte file`);
            return new Uint8Array(0);
        }
        if (rva + size > this.source.size) {
            this.warn(`${what}: ${size} bytes at ${hex(rva)} run past the end of the file; cut`);
        }
        return this.source.read(rva, size);
    }
    readString(rva, what) {
        if (rva === 0)
            return undefined;
        if (rva + 4 > this.source.size) {
            this.warn(`${what}: string at ${hex(rva)} is past the end of the file`);
            return undefined;
        }
        const len = new LeView(this.source.read(rva, 4)).u32(0);
        let n = len;
        if (n > MAX_STRING_BYTES) {
            this.warn(`${what}: string at ${hex(rva)} claims ${len} bytes; read ${MAX_STRING_BYTES}`);
            n = MAX_STRING_BYTES;
        }
        if (rva + 4 + n > this.source.size) {
            this.warn(`${what}: string at ${hex(rva)} runs past the end of the file; cut`);
            n = this.source.size - rva - 4;
        }
        if (!this.spend(n + 4))
            return undefined;
        return decodeUtf16(this.source.read(rva + 4, n));
    }
    context(size, rva, what) {
        if (size === 0 || rva === 0) {
            this.warn(`${what}: no context in the dump`);
            return undefined;
        }
        const bytes = this.readFile(rva, Math.min(size, MAX_CONTEXT_BYTES), `${what} context`);
        let arch = this.systemInfo()?.arch ?? "unknown";
        const guess = guessContextArch(bytes);
        if (arch === "unknown")
            arch = guess;
        else if (guess !== "unknown" && guess !== arch && !flagsSay(bytes, arch)) {
            this.warn(`${what}: SystemInfo says ${arch} but the ${bytes.length}-byte context looks ${guess}; read as ${guess}`);
            arch = guess;
        }
        const features = this.miscInfo()?.xstateFeatures;
        return parseContext(bytes, arch, { warn: (m) => this.warn(m), what, ...(features ? { xstateFeatures: features } : {}) });
    }
    /** Whether `length` bytes at file offset `rva` equal the already-kept memory at `address` (a duplicate capture). */
    sameBytes(kept, address, rva, length) {
        if (length > this.compareBudget)
            return false;
        this.compareBudget -= length;
        const r = kept[this.lastRangeAtOrBelow(kept, address)];
        if (!r || address + BigInt(length) > r.start + BigInt(r.size))
            return false;
        const a = this.source.read(r.rva + Number(address - r.start), length);
        const b = this.source.read(rva, length);
        return a.length === length && b.length === length && Buffer.compare(a, b) === 0;
    }
    lastRangeAtOrBelow(ranges, address) {
        let lo = 0;
        let hi = ranges.length - 1;
        let found = -1;
        while (lo <= hi) {
            const mid = (lo + hi) >>> 1;
            const r = ranges[mid];
            if (r && r.start <= address) {
                found = mid;
                lo = mid + 1;
            }
            else
                hi = mid - 1;
        }
        return found;
    }
}
/** Whether a context's ContextFlags carry the CPU bit of `arch` (CONTEXT_i386 / _AMD64 / _ARM64). */
function flagsSay(bytes, arch) {
    const v = new LeView(bytes);
    const at = arch === "x64" ? 0x30 : 0;
    return v.has(at, 4) && archFromContextFlags(v.u32(at)) === arch;
}
/** An EXCEPTION_RECORD32 (80 bytes) rewritten in the 64-bit MINIDUMP_EXCEPTION layout. */
function widenRecord32(v) {
    const out = new Uint8Array(152);
    const w = new DataView(out.buffer);
    w.setUint32(0, v.u32(0), true);
    w.setUint32(4, v.u32(4), true);
    w.setBigUint64(8, BigInt(v.u32(8)), true);
    w.setBigUint64(16, BigInt(v.u32(12)), true);
    w.setUint32(24, v.u32(16), true);
    for (let i = 0; i < 15; i++)
        w.setBigUint64(32 + i * 8, BigInt(v.u32(20 + i * 4)), true);
    return new LeView(out);
}

/**
 * Function names from Breakpad `.sym` files (the text format Breakpad's dump_syms writes: `MODULE`,
 * `FILE`, `FUNC [m] address size param_size name`, line records, `PUBLIC [m] address param_size name`,
 * `STACK ...`, `INFO ...`). Files are looked up the way symbol servers lay them out:
 * `DIR/<debug file>/<debug id>/<debug file without .pdb>.sym`. Each file is read once, when a module
 * that matches it is first symbolized. Stack unwinding records (STACK WIN / STACK CFI) are not used yet.
 */
/** Parses the text of a .sym file. FUNC records carry sizes; PUBLIC records do not (they extend to the next symbol). */
function parseSymbolFile(text) {
    let module;
    const symbols = [];
    let skipped = 0;
    const lines = text.split(/\r?\n/);
    for (const line of lines) {
        if (line === "")
            continue;
        const space = line.indexOf(" ");
        const keyword = space < 0 ? line : line.slice(0, space);
        if (keyword === "MODULE") {
            const m = /^MODULE (\S+) (\S+) ([0-9A-Fa-f]+) (.+)$/.exec(line);
            if (m)
                module = { os: m[1], arch: m[2], id: m[3].toUpperCase(), name: m[4] };
            else
                skipped++;
        }
        else if (keyword === "FUNC") {
            const m = /^FUNC (?:m )?([0-9a-fA-F]+) ([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(line);
            if (m)
                symbols.push({ name: m[4], rva: parseInt(m[1], 16), size: Math.max(1, parseInt(m[2], 16)) });
            else
                skipped++;
        }
        else if (keyword === "PUBLIC") {
            const m = /^PUBLIC (?:m )?([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(line);
            if (m)
                symbols.push({ name: m[3], rva: parseInt(m[1], 16) });
            else
                skipped++;
        }
        // FILE, INLINE*, line records, STACK and INFO records are not needed for names.
    }
    // Where a FUNC and a PUBLIC share an address, keep the FUNC (it has a size).
    symbols.sort((a, b) => a.rva - b.rva || (a.size === undefined ? 1 : 0) - (b.size === undefined ? 1 : 0));
    const unique = [];
    for (const s of symbols)
        if (unique.length === 0 || unique[unique.length - 1].rva !== s.rva)
            unique.push(s);
    return { module, symbols: unique, skipped };
}
/** A folder of .sym files in the symbol-server layout. */
class SymbolStore {
    root;
    cache = new Map();
    constructor(root) {
        this.root = root;
    }
    /** The symbols for a module's debug file and debug id, or undefined when no file matches. */
    lookup(debugFile, debugId) {
        if (!debugFile || !debugId)
            return undefined;
        const file = debugFile.split(/[\\/]/).pop() ?? debugFile;
        const key = `${file.toLowerCase()}/${debugId.toUpperCase()}`;
        let hit = this.cache.get(key);
        if (hit === undefined) {
            const base = file.toLowerCase().endsWith(".pdb") ? file.slice(0, -4) : file;
            // Breakpad writes the age in lowercase hex, symbol stores often in uppercase: try both.
            const ids = [debugId, debugId.toUpperCase(), debugId.slice(0, 32).toUpperCase() + debugId.slice(32).toLowerCase()];
            const candidate = ids.map((id) => path.join(this.root, file, id, `${base}.sym`)).find((p) => existsSync(p));
            hit = candidate ? parseSymbolFile(readFileSync(candidate, "utf8")) : null;
            this.cache.set(key, hit);
        }
        return hit ?? undefined;
    }
}

/**
 * A target over a minidump for the emulated debugger: one session, one process, its threads (registers
 * from the thread contexts, frames from the stack walker, typed TEBs), the PEB, modules (names from
 * Breakpad .sym files when given), captured memory (uncaptured reads fail), handles, and generated
 * command output. What WinDbg would take from ntdll's PDB (the _TEB/_PEB types) comes from the public
 * Windows layouts: the fields used (NtTib, ClientId, ProcessEnvironmentBlock, ...) sit at the same
 * offsets on every Windows release ewmda targets.
 */
function dumpArchitecture(dump) {
    const a = dump.systemInfo()?.arch;
    if (a === "x86" || a === "x64" || a === "arm64")
        return a;
    // No system info: guess from the first context.
    const c = dump.threads().find((t) => t.context)?.context;
    if (c && (c.arch === "x86" || c.arch === "x64" || c.arch === "arm64"))
        return c.arch;
    throw new MinidumpError("not usable: cannot tell the processor architecture (no system info stream and no thread context)");
}
function addressSpace(dump) {
    return {
        read: (address, length) => dump.readMemory(address, length),
        ranges: function* () {
            for (const r of dump.memoryRanges())
                yield { base: r.start, size: BigInt(r.size) };
        },
    };
}
function buildDumpTarget(dump, options = {}) {
    const warnings = [];
    const arch = dumpArchitecture(dump);
    const pointerSize = arch === "x86" ? 4 : 8;
    const layout = arch === "x86" ? WINDOWS_USER_X86 : WINDOWS_USER_X64;
    const types = new TypeTable(layout);
    const memory = addressSpace(dump);
    const readPointer = (address) => {
        const b = dump.readMemory(address, pointerSize);
        if (!b)
            return undefined;
        let v = 0n;
        for (let i = pointerSize - 1; i >= 0; i--)
            v = (v << 8n) | BigInt(b[i]);
        return v;
    };
    const fieldOffset = (type, field) => {
        const t = types.resolve(type);
        const f = t && t.kind === "udt" ? t.field(field) : undefined;
        if (!f)
            throw new Error(`layout ${layout.id} has no ${type}.${field}`);
        return f.offset;
    };
    // Modules, symbols from .sym files where they match.
    const modules = dump.modules().map((m) => {
        const file = options.symbols?.lookup(m.codeView?.pdbName, m.codeView?.debugId);
        const isNtdll = m.name.toLowerCase() === "ntdll.dll";
        return {
            name: m.path, base: m.base, size: m.size,
            symbols: file ? file.symbols : isNtdll ? [] : undefined,
            types: isNtdll ? layout : undefined,
        };
    });
    const moduleSet = new ModuleSet(modules);
    const isCode = (address) => moduleSet.at(address) !== undefined;
    const walk = (context) => {
        if (!context)
            return [];
        return walkStack({ arch, registers: context.registers, memory: { readPointer }, isCode });
    };
    const toFrames = (walked) => walked.map((f, i) => ({
        instructionOffset: f.ip, stackOffset: f.sp, frameOffset: f.fp, returnOffset: walked[i + 1]?.ip, foundBy: f.foundBy,
    }));
    // Process id: misc info, else the TEB's ClientId.
    const threadsRaw = dump.threads();
    let processId = dump.miscInfo()?.processId;
    if (processId === undefined) {
        for (const t of threadsRaw) {
            const v = t.teb ? readPointer(t.teb + BigInt(fieldOffset("_TEB", "ClientId") + fieldOffset("_CLIENT_ID", "UniqueProcess"))) : undefined;
            if (v !== undefined && v > 0n && v < 0xffffffffn) {
                processId = Number(v);
                break;
            }
        }
        if (processId === undefined)
            warnings.push("no process id in the dump (no misc info stream, no readable TEB)");
    }
    let pebAddress;
    for (const t of threadsRaw) {
        const v = t.teb ? readPointer(t.teb + BigInt(fieldOffset("_TEB", "ProcessEnvironmentBlock"))) : undefined;
        if (v !== undefined && v !== 0n) {
            pebAddress = v;
            break;
        }
    }
    const names = dump.threadNames();
    const walkedThreads = [];
    const threadSpecs = threadsRaw.map((t) => {
        if (!t.context)
            warnings.push(`thread 0x${t.id.toString(16)} has no readable context`);
        const frames = walk(t.context);
        walkedThreads.push({ id: t.id, frames });
        return {
            id: t.id,
            tebAddress: t.teb !== 0n ? t.teb : undefined,
            registers: t.context?.registers ?? {},
            frames: toFrames(frames),
            name: names.get(t.id),
        };
    });
    const exception = dump.exception();
    const exceptionFrames = exception?.context ? walk(exception.context) : undefined;
    const handles = dump.handles()?.map((h) => ({
        handle: Number(h.handle), type: h.typeName ?? "", grantedAccess: h.grantedAccess, objectName: h.objectName,
    }));
    const mainModule = dump.modules()[0];
    const currentThreadId = exception?.threadId ?? threadSpecs[0]?.id;
    const pid = processId ?? 0;
    const spec = {
        kind: "user", arch, pointerSize, memory,
        processes: [{ id: pid, name: mainModule?.name ?? "<unknown>", pebAddress, threads: threadSpecs, modules, handles }],
        currentProcessId: pid,
        currentThreadId,
        dumpFileName: options.dumpFileName,
        commands: commandTable({
            dump, pointerSize, processId: pid, currentThreadId, modules: moduleSet, dumpFileName: options.dumpFileName ?? "",
            currentFrames: () => walkedThreads.find((w) => w.id === currentThreadId)?.frames ?? [],
            exceptionFrames: () => exceptionFrames,
        }),
    };
    return { spec, dump, arch, threads: walkedThreads, exceptionFrames, warnings };
}

/**
 * One analysis session over a dump file: the minidump reader, the target over it, and the emulated
 * debugger with the very dist/ewmda.js a WinDbg user loads.
 */
/** Where dist/ewmda.js is: beside the CLI bundle (dist/), or ../../dist from the TypeScript sources. */
function defaultBundlePath() {
    const here = path.dirname(fileURLToPath(import.meta.url));
    for (const candidate of [path.join(here, "ewmda.js"), path.join(here, "..", "..", "dist", "ewmda.js")]) {
        if (existsSync(candidate))
            return candidate;
    }
    throw new Error("dist/ewmda.js not found: run npm run build");
}
/** Opens a dump (throws MinidumpError with a one-line reason when it is not usable) and loads ewmda into it. */
function openSession(file, options = {}) {
    const dump = Minidump.openFile(file);
    try {
        const target = buildDumpTarget(dump, {
            symbols: options.symbolsDir ? new SymbolStore(options.symbolsDir) : undefined,
            dumpFileName: path.resolve(file),
        });
        const dbg = new EmulatedDebugger(target.spec);
        const bundle = options.bundlePath ?? defaultBundlePath();
        dbg.scriptLoad(readFileSync(bundle, "utf8"), "C:\\ewmda\\ewmda.js");
        return { file, dump, target, dbg, close: () => dump.close() };
    }
    catch (e) {
        dump.close();
        throw e;
    }
}

/**
 * The `ewmda` command line: the same dist/ewmda.js that users load into WinDbg, run headless on a
 * minidump; `ewmda patterns` prints the pattern catalogue (no dump needed). Exit status: 0 when the run completed (findings or not), 1 when the file is not a usable
 * dump (with a one-line reason), 2 for a usage error.
 */
class UsageError extends Error {
}
/** Values of a repeatable option (`--pattern A --pattern B`, `--pattern=A`). */
function repeated(raw, name) {
    const out = [];
    for (let i = 0; i < raw.length; i++) {
        const a = raw[i];
        if (a === `--${name}` && i + 1 < raw.length)
            out.push(raw[++i]);
        else if (a.startsWith(`--${name}=`))
            out.push(a.slice(name.length + 3));
    }
    return out;
}
/** Writes to a file through a temporary name, so an interrupted run never leaves half a report. */
function emit(text, out) {
    if (!out) {
        process.stdout.write(text);
        return;
    }
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, out);
}
function withSession(file, symbols, fn) {
    let session;
    try {
        session = openSession(file, { symbolsDir: symbols });
    }
    catch (e) {
        if (e instanceof MinidumpError || e.code === "ENOENT" || e.code === "EISDIR") {
            process.stderr.write(`ewmda: ${file}: ${e.message}\n`);
            process.exitCode = 1;
            throw new HandledError();
        }
        throw e;
    }
    try {
        return fn(session);
    }
    finally {
        session.close();
    }
}
class HandledError extends Error {
}
function guard(run) {
    try {
        run();
    }
    catch (e) {
        if (e instanceof HandledError)
            return;
        if (e instanceof UsageError) {
            process.stderr.write(`ewmda: ${e.message}\n`);
            process.exitCode = 2;
            return;
        }
        process.stderr.write(`ewmda: internal error: ${e?.stack ?? String(e)}\n`);
        process.exitCode = 3;
    }
}
const info = defineCommand({
    meta: { name: "info", description: "What a dump holds: system, process, exception, threads, modules, streams, and what each analysis can use" },
    args: {
        dump: { type: "positional", description: "minidump file", required: true },
        json: { type: "boolean", description: "print one JSON object instead of text" },
    },
    run({ args }) {
        guard(() => withSession(args.dump, undefined, (s) => {
            const i = dumpInfo(s.file, s.dump, s.target);
            emit(args.json ? JSON.stringify(i, null, 2) + "\n" : renderInfo(i, s.target).join("\n") + "\n", undefined);
        }));
    },
});
const analyzeCommand = defineCommand({
    meta: { name: "analyze", description: "Run ewmda's Triage on a dump (or the analyses named with --pattern, or --all of them) and print the report" },
    args: {
        dump: { type: "positional", description: "minidump file", required: true },
        pattern: { type: "string", description: "analysis (RawStack), command (rawstack) or catalogue pattern name; repeatable (default: Triage)" },
        all: { type: "boolean", description: "run every analysis separately instead of Triage" },
        json: { type: "boolean", description: "print a JSON array of export documents (docs/schema.md)" },
        jsonl: { type: "boolean", description: "print one export document per line" },
        text: { type: "boolean", description: "print tables for people (the default)" },
        out: { type: "string", description: "write the report to this file instead of standard output" },
        symbols: { type: "string", description: "folder of Breakpad .sym files (symbol-server layout) for function names" },
        progress: { type: "boolean", description: "show progress on standard error (default: when it is a terminal)" },
    },
    run({ args, rawArgs }) {
        guard(() => {
            const formats = [args.json && "json", args.jsonl && "jsonl", args.text && "text"].filter(Boolean);
            if (formats.length > 1)
                throw new UsageError("choose one of --json, --jsonl, --text");
            const format = formats[0] ?? "text";
            let metas;
            try {
                metas = selectAnalyses(repeated(rawArgs, "pattern"), args.all === true);
            }
            catch (e) {
                throw new UsageError(e.message);
            }
            const showProgress = args.progress ?? process.stderr.isTTY === true;
            withSession(args.dump, args.symbols, (s) => {
                const r = analyze(s, metas, format, (line) => { if (showProgress)
                    process.stderr.write(`${line}\n`); });
                const text = format === "text" ? r.text.join("\n") + "\n"
                    : format === "json" ? JSON.stringify(r.documents, null, 2) + "\n"
                        : r.documents.map((d) => JSON.stringify(d)).join("\n") + "\n";
                emit(text, args.out);
            });
        });
    },
});
const demo = defineCommand({
    meta: { name: "demo", description: "Write a synthetic dump with known problems and analyze it (no dump of your own needed)" },
    args: {
        out: { type: "string", description: "where to write the synthetic dump", default: "ewmda-demo.dmp" },
    },
    run({ args }) {
        guard(() => {
            const { dump, symbols } = runDemo(args.out);
            withSession(dump, symbols, (s) => {
                const r = analyze(s, selectAnalyses([]), "text", () => undefined);
                emit([`Wrote ${dump}, a synthetic dump, and its symbols in ${symbols} (ewmda analyze ${dump} --symbols ${symbols} reproduces this report).`, "", ...r.text, "", ...demoNotes()].join("\n") + "\n", undefined);
            });
        });
    },
});
const patterns = defineCommand({
    meta: { name: "patterns", description: "The memory analysis patterns ewmda serves and the analyses that automate each (no dump needed)" },
    args: {
        json: { type: "boolean", description: "print a JSON array of { name, dumpKinds, analyses, automated }" },
    },
    run({ args }) {
        guard(() => {
            const entries = catalogue(ANALYSES);
            const text = args.json
                ? JSON.stringify(entries.map((e) => ({ name: e.name, dumpKinds: e.dumpKinds, analyses: e.analyses, automated: e.automated })), null, 2)
                : renderCatalogue(entries).concat("Run the analyses of one pattern: ewmda analyze <dump> --pattern \"<pattern>\"").join("\n");
            emit(text + "\n", undefined);
        });
    },
});
const main = defineCommand({
    meta: { name: "ewmda", version: VERSION$1, description: "Memory-dump analysis patterns: the WinDbg extension's analyses, headless on Linux" },
    subCommands: { analyze: analyzeCommand, info, demo, patterns },
});
void runMain(main);

export { main };
