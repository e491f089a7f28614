/*!
 * ewmda 0.1.0: memory analysis patterns for WinDbg (JavaScript provider, ChakraCore and V8).
 * Load:   .scriptload C:\tools\ewmda.js       (path without spaces)
 * Then:   dx Debugger.Utility.Ewmda            dx @$ewmda().RawStack()          !ewmda.rawstack
 * After .scriptrun or the first ewmda call:   dx @$ewmda.RawStack()
 * Built from ewmda's TypeScript sources; do not edit.
 */
"use strict";
var __ewmda = (function (exports) {

    /**
     * Values that are not plain data: a cell that could not be read says why, and every row says how sure
     * it is and where it came from (STYLE: "Results people can trust").
     */
    /** A value the target could not give: never a silent 0 or "". */
    class Unavailable {
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

    /** The common columns, appended after an analysis's own. */
    const BASE_COLUMNS = [
        { name: "Verdict", type: "verdict", help: "Positive, Suspicious, Info (context or missing data) or Negative (examined, nothing found)" },
        { name: "Evidence", type: "string", help: "One line a person can check with a classic debugger command", table: false },
        { name: "Source", type: "string", help: "typed (typed objects and memory), command (parsed command output) or heuristic", table: false },
    ];
    /** Declares an analysis; its settings' types flow into `ctx.settings`. */
    function defineAnalysis(a) {
        return a;
    }
    /** Runs an analysis and collects its rows; an unexpected error becomes an Info row and a partial result. */
    function runAnalysis(analysis, target, config, args) {
        var _a;
        const rows = [];
        let summary = analysis.meta.name;
        let partial = false;
        const settings = (_a = config[analysis.meta.name]) !== null && _a !== void 0 ? _a : {};
        const ctx = { target, config, settings: settings, summary: (text) => { summary = text; } };
        try {
            for (const row of analysis.run(ctx, args))
                rows.push(row);
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
     * Thresholds and budgets in one configuration object, each with its default and the reason for it.
     * Each analysis declares its own settings next to its logic (`meta.settings`); the configuration is
     * assembled from the registry, one section per analysis, and a fresh copy is made per loaded script.
     * Users read and change it through `dx @$ewmda.Config` (`dx @$ewmda.Config.RawStack.MaxRows = 0x1000`).
     */
    /** A fresh configuration with every default of every registered analysis. */
    function createConfig(analyses) {
        const out = {};
        for (const a of analyses) {
            const specs = a.meta.settings;
            if (!specs)
                continue;
            const values = {};
            for (const key of Object.keys(specs)) {
                const d = specs[key].default;
                values[key] = typeof d === "object" ? d.slice() : d;
            }
            out[a.meta.name] = values;
        }
        return out;
    }
    function formatSetting(v) {
        if (typeof v === "number")
            return "0x" + v.toString(16);
        if (typeof v === "object")
            return "[" + v.join(", ") + "]";
        return String(v);
    }
    /** Help text of a setting: what it does, its default and why. */
    function settingHelp(spec) {
        return spec.help + " (default " + formatSetting(spec.default) + ": " + spec.reason + ")";
    }
    /** Checks a new value against the kind of the default; a comma-separated string sets a list. */
    function coerceSetting(spec, value, name) {
        const d = spec.default;
        if (typeof d === "number") {
            const n = Number(value);
            if (!(n >= 0) || n !== Math.floor(n))
                throw new RangeError(name + " must be a non-negative integer");
            return n;
        }
        if (typeof d === "boolean") {
            if (typeof value !== "boolean")
                throw new TypeError(name + " must be true or false");
            return value;
        }
        if (typeof d === "object") {
            if (typeof value === "string")
                return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
            if (value && typeof value === "object" && typeof value[Symbol.iterator] === "function") {
                const out = [];
                for (const x of value)
                    out.push(String(x));
                return out;
            }
            throw new TypeError(name + " must be a list of strings (or one comma-separated string)");
        }
        return String(value);
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
        throw new TypeError("expected a number or a 64-bit value, got " + describe(v));
    }
    /** An ordinal as a JS number; throws when it does not fit exactly (use for counts, ids, sizes). */
    function toNumber(v) {
        if (typeof v === "number")
            return v;
        if (isInt64(v))
            return v.asNumber();
        throw new TypeError("expected a number, got " + describe(v));
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
    function hex(v, width = 0) {
        const [hi, lo] = halvesOf(v);
        return "0x" + hexDigits(hi, lo, width);
    }
    /** An address as WinDbg prints it: `00007ffa`12345678` (64-bit) or `7ffe0000` (32-bit). */
    function formatAddress(v, pointerSize) {
        const [hi, lo] = halvesOf(v);
        if (pointerSize === 4 && hi === 0)
            return padHex(lo, 8);
        return padHex(hi, 8) + "`" + padHex(lo, 8);
    }
    function describe(v) {
        if (v === null)
            return "null";
        if (v === undefined)
            return "undefined";
        return typeof v;
    }

    /** Kept equal to package.json's version by a test. */
    const VERSION = "0.1.0";

    const SCHEMA_NAME = "ewmda.result";
    const SCHEMA_VERSION = 1;
    /** What the target is, as far as the data model says (every field may be null when the debugger does not know). */
    function describeTarget(t) {
        let dumpFile = null;
        let processId = null;
        let processName = null;
        try {
            const name = host.currentSession.Attributes.Target.Details.DumpFileName;
            if (typeof name === "string" && name !== "")
                dumpFile = name;
        }
        catch (e) { /* not a dump, or the attribute is missing */ }
        try {
            processId = Number(t.process.Id);
        }
        catch (e) {
            processId = null;
        }
        try {
            processName = String(t.process.Name);
        }
        catch (e) {
            processName = null;
        }
        return { kind: t.isKernel() ? "kernel" : "user", dumpFile, processId, processName, pointerSize: t.pointerSize(), arch: t.architecture() };
    }
    function jsonValue(v, column) {
        if (v === undefined)
            return undefined;
        if (v === null || typeof v === "string" || typeof v === "boolean")
            return v;
        // Addresses and hex ids are always "0x..." strings, whatever JS type carried them.
        if ((column.type === "address" || column.type === "hex") && typeof v === "number" && v >= 0 && v === Math.floor(v))
            return hex(v);
        if (typeof v === "number")
            return isFinite(v) ? v : String(v);
        if (isInt64(v))
            return hex(v);
        if (v instanceof Unavailable)
            return null;
        return String(v);
    }
    /** The export document of one analysis result. */
    function toDocument(result, target, now = new Date()) {
        const columns = result.meta.columns.concat(BASE_COLUMNS);
        const rows = result.rows.map((row) => {
            const out = {};
            const absent = {};
            let anyAbsent = false;
            for (const c of columns) {
                const v = row[c.name];
                if (v instanceof Unavailable) {
                    absent[c.name] = v.kind + ": " + v.reason;
                    anyAbsent = true;
                }
                const j = jsonValue(v, c);
                if (j !== undefined)
                    out[c.name] = j;
            }
            if (anyAbsent)
                out._absent = absent;
            return out;
        });
        return {
            schema: SCHEMA_NAME,
            schemaVersion: SCHEMA_VERSION,
            tool: { name: "ewmda", version: VERSION },
            target,
            analysis: { name: result.meta.name, command: result.meta.command, version: result.meta.version, patterns: result.meta.patterns },
            time: now.toISOString(),
            summary: result.summary,
            partial: result.partial,
            columns: columns.map((c) => ({ name: c.name, type: c.type })),
            rows,
        };
    }
    /** JSON text of a document; never throws (a serialization problem becomes a minimal error document). */
    function toJsonText(result, target) {
        try {
            return JSON.stringify(toDocument(result, target));
        }
        catch (e) {
            return JSON.stringify({ schema: SCHEMA_NAME, schemaVersion: SCHEMA_VERSION, error: errorMessage(e), summary: result.summary });
        }
    }

    /**
     * The `!` face: one renderer for every analysis, formatting each cell by its column type (addresses
     * as WinDbg prints them, hex ids, yes/no, unreadable markers). Rows that carry only a verdict and a
     * message (Info / Negative rows) print as one line.
     */
    const MAX_CELL = 80;
    function formatCell(value, column, pointerSize) {
        if (value === undefined || value === null)
            return "";
        if (value instanceof Unavailable)
            return value.toString();
        switch (column.type) {
            case "address":
                return isInt64(value) || typeof value === "number" ? formatAddress(value, pointerSize) : String(value);
            case "hex":
                return isInt64(value) || typeof value === "number" ? hex(value) : String(value);
            case "bool":
                return value === true ? "yes" : value === false ? "no" : String(value);
            case "int":
                return isInt64(value) ? value.toString(10) : String(value);
            default:
                return String(value);
        }
    }
    function isMessageRow(row, own) {
        let defined = 0;
        for (const c of own)
            if (row[c.name] !== undefined && c.table !== false)
                defined++;
        return defined === 0;
    }
    /** The whole table as text lines: a title, a header, one line per row. */
    function renderTable(result) {
        const own = result.meta.columns;
        const columns = own.filter((c) => c.table !== false).concat(BASE_COLUMNS.filter((c) => c.table !== false));
        const lines = [result.summary];
        const data = [];
        const messages = [];
        result.rows.forEach((row, i) => {
            if (isMessageRow(row, own)) {
                messages.push({ index: i, text: row.Verdict + ": " + row.Evidence });
                return;
            }
            data.push(columns.map((c) => {
                const s = formatCell(row[c.name], c, result.pointerSize);
                return s.length > MAX_CELL ? s.slice(0, MAX_CELL - 3) + "..." : s;
            }));
        });
        if (data.length) {
            const widths = columns.map((c, k) => {
                let w = c.name.length;
                for (const d of data)
                    if (d[k].length > w)
                        w = d[k].length;
                return w;
            });
            const line = (cells) => cells.map((s, k) => (k === cells.length - 1 ? s : s.padEnd(widths[k]))).join("  ").replace(/\s+$/, "");
            lines.push(line(columns.map((c) => c.name)));
            // Data rows in order, with message rows in their original place.
            let d = 0;
            let m = 0;
            result.rows.forEach((_row, i) => {
                if (m < messages.length && messages[m].index === i) {
                    lines.push(messages[m].text);
                    m++;
                }
                else
                    lines.push(line(data[d++]));
            });
        }
        else {
            for (const msg of messages)
                lines.push(msg.text);
        }
        return lines;
    }

    /**
     * Is a code address a plausible return address? Only if the instruction right before it is a call.
     * x86/x64: `E8 rel32`, and `FF /2` (call near indirect) in all its ModRM/SIB/displacement forms, with an
     * optional REX prefix on x64. ARM64: BL, BLR and the pointer-authenticated BLRAA/BLRAB/…Z forms.
     * (Intel SDM vol. 2 "CALL"; Arm ARM C6 "BL", "BLR", "BLRAA".)
     */
    /** How many bytes before a return address to read for `endsWithCall`. */
    function callWindow(arch) {
        return arch === "arm64" ? 4 : 8;
    }
    /** Length of the x86/x64 call instruction starting at `start`, or 0 if none. */
    function callLength(b, start, x64) {
        let i = start;
        if (x64 && b[i] >= 0x40 && b[i] <= 0x4f)
            i++;
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
        if (arch === "arm64") {
            if (n < 4)
                return false;
            const w = (before[n - 4] | (before[n - 3] << 8) | (before[n - 2] << 16) | (before[n - 1] << 24)) >>> 0;
            if (((w & 0xfc000000) >>> 0) === 0x94000000)
                return true; // BL imm26
            if (((w & 0xfffffc1f) >>> 0) === 0xd63f0000)
                return true; // BLR Xn
            if (((w & 0xfefff800) >>> 0) === 0xd63f0800)
                return true; // BLRAA/BLRAB/BLRAAZ/BLRABZ
            return false;
        }
        const x64 = arch === "x64";
        for (let len = 2; len <= 7 && len <= n; len++) {
            if (callLength(before, n - len, x64) === len)
                return true;
        }
        return false;
    }

    /**
     * Address → module, built once per analysis from the process's module list and searched with a
     * binary search on (hi, lo) halves, so classifying a stack slot costs no host call.
     */
    function moduleInfo(path, base, size) {
        const slash = Math.max(path.lastIndexOf("\\"), path.lastIndexOf("/"));
        const name = slash >= 0 ? path.slice(slash + 1) : path;
        const lower = name.toLowerCase();
        const dot = name.lastIndexOf(".");
        const kernel = lower === "ntoskrnl.exe" || lower === "ntkrnlmp.exe" || lower === "ntkrnlpa.exe" || lower === "ntkrpamp.exe";
        const symbolName = kernel ? "nt" : dot > 0 ? name.slice(0, dot) : name;
        const [baseHi, baseLo] = halvesOf(base);
        let endLo = baseLo + size;
        let endHi = baseHi;
        while (endLo >= 4294967296) {
            endLo -= 4294967296;
            endHi++;
        }
        return { name, path, symbolName, base: fromHalves(baseHi, baseLo), size, baseHi, baseLo, endHi: endHi >>> 0, endLo };
    }
    class ModuleIndex {
        constructor(modules) {
            this.sorted = modules.slice().sort((a, b) => comparePair(a.baseHi, a.baseLo, b.baseHi, b.baseLo));
        }
        get modules() {
            return this.sorted;
        }
        /** The module whose [base, base+size) holds the address given as halves. */
        findPair(hi, lo) {
            const list = this.sorted;
            let a = 0;
            let b = list.length - 1;
            while (a <= b) {
                const mid = (a + b) >> 1;
                const m = list[mid];
                if (comparePair(hi, lo, m.baseHi, m.baseLo) < 0)
                    b = mid - 1;
                else if (comparePair(hi, lo, m.endHi, m.endLo) >= 0)
                    a = mid + 1;
                else
                    return m;
            }
            return undefined;
        }
        find(address) {
            const [hi, lo] = halvesOf(address);
            return this.findPair(hi, lo);
        }
        /** By file name, symbol name or path, case-insensitive. */
        byName(name) {
            const n = name.toLowerCase();
            for (const m of this.sorted) {
                if (m.name.toLowerCase() === n || m.symbolName.toLowerCase() === n || m.path.toLowerCase() === n)
                    return m;
            }
            return undefined;
        }
    }

    /**
     * PE section headers read from an image in memory (Microsoft PE/COFF specification: the DOS header's
     * e_lfanew at 0x3C, "PE\0\0", the 20-byte COFF header, then 40-byte section headers after the
     * optional header). Tells code sections from data sections without `Module.Contents`, which exists
     * only when another script is loaded.
     */
    const IMAGE_SCN_CNT_CODE = 0x20;
    const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
    const MAX_SECTIONS = 96; // the loader's limit
    function u16(b, o) {
        return (b[o] | (b[o + 1] << 8)) >>> 0;
    }
    function u32(b, o) {
        return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
    }
    /**
     * Parses the section table; `read(offset, length)` reads from the image base and returns undefined
     * when the bytes are not in the dump. Returns undefined when the headers are missing or malformed.
     */
    function readSections(read) {
        const dos = read(0, 0x40);
        if (!dos || dos[0] !== 0x4d || dos[1] !== 0x5a)
            return undefined;
        const lfanew = u32(dos, 0x3c);
        if (lfanew < 0x40 || lfanew > 0x10000)
            return undefined;
        const nt = read(lfanew, 24);
        if (!nt || nt[0] !== 0x50 || nt[1] !== 0x45 || nt[2] !== 0 || nt[3] !== 0)
            return undefined;
        const count = u16(nt, 6);
        const optionalSize = u16(nt, 20);
        if (count === 0 || count > MAX_SECTIONS)
            return undefined;
        const table = read(lfanew + 24 + optionalSize, count * 40);
        if (!table)
            return undefined;
        const out = [];
        for (let i = 0; i < count; i++) {
            const o = i * 40;
            let name = "";
            for (let k = 0; k < 8 && table[o + k] !== 0; k++)
                name += String.fromCharCode(table[o + k]);
            const ch = u32(table, o + 36);
            out.push({
                name,
                size: u32(table, o + 8),
                rva: u32(table, o + 12),
                executable: (ch & IMAGE_SCN_MEM_EXECUTE) !== 0 || (ch & IMAGE_SCN_CNT_CODE) !== 0,
            });
        }
        return out;
    }
    /** The section holding an RVA, if any. */
    function sectionAt(sections, rva) {
        for (const s of sections)
            if (rva >= s.rva && rva < s.rva + Math.max(s.size, 1))
                return s;
        return undefined;
    }

    /**
     * The one thin typed layer between analyses and `host`: processes, threads, stack ranges, modules,
     * memory in bulk, symbols. How each thing is fetched, and its fallbacks for missing symbols and
     * unconfirmed provider behaviour, is written once here. A Target is made per analysis call and caches
     * what it fetched for that call only.
     */
    class Target {
        constructor(process = host.currentProcess) {
            this.process = process;
            this.symbolCache = {};
            this.sectionCache = {};
            this.callSiteCache = {};
        }
        isKernel() {
            try {
                return host.currentSession.Attributes.Target.IsKernelTarget === true;
            }
            catch (e) {
                return false;
            }
        }
        /** 4 or 8, from the session's machine attributes, else the $ptrsize pseudo-register. */
        pointerSize() {
            if (this.ptrSize === undefined) {
                let size;
                try {
                    size = toNumber(host.currentSession.Attributes.Machine.PointerSize);
                }
                catch (e) {
                    size = undefined;
                }
                if (size !== 4 && size !== 8) {
                    try {
                        size = toNumber(host.namespace.Debugger.State.PseudoRegisters.General.ptrsize);
                    }
                    catch (e) {
                        size = undefined;
                    }
                }
                this.ptrSize = size === 4 ? 4 : 8;
            }
            return this.ptrSize;
        }
        /** x64, x86 or arm64, from the register names the current thread has. */
        architecture() {
            if (this.archCache === undefined) {
                let arch = this.pointerSize() === 4 ? "x86" : "x64";
                try {
                    const regs = host.currentThread.Registers.User;
                    if (regs.rip !== undefined)
                        arch = "x64";
                    else if (regs.eip !== undefined)
                        arch = "x86";
                    else if (regs.pc !== undefined || regs.x0 !== undefined)
                        arch = "arm64";
                }
                catch (e) { /* keep the guess from the pointer size */ }
                this.archCache = arch;
            }
            return this.archCache;
        }
        formatAddress(v) {
            return formatAddress(v, this.pointerSize());
        }
        // ---- threads ----
        threads() {
            if (!this.threadsCache) {
                const list = [];
                for (const t of this.process.Threads)
                    list.push({ id: toNumber(t.Id), model: t });
                this.threadsCache = list;
            }
            return this.threadsCache;
        }
        currentThread() {
            const t = host.currentThread;
            if (!t)
                return undefined;
            return { id: toNumber(t.Id), model: t };
        }
        /** The thread with this id in the process, or undefined. */
        findThread(id) {
            try {
                const t = this.process.Threads.getValueAt(id);
                if (t)
                    return { id: toNumber(t.Id), model: t };
            }
            catch (e) { /* not keyed by that id: search below */ }
            for (const t of this.threads())
                if (t.id === id)
                    return t;
            return undefined;
        }
        stackPointer(thread) {
            try {
                const regs = thread.model.Registers.User;
                const sp = regs.rsp !== undefined ? regs.rsp : regs.esp !== undefined ? regs.esp : regs.sp;
                if (sp !== undefined)
                    return toInt64(sp);
            }
            catch (e) { /* fall through to the frame */ }
            try {
                const frames = thread.model.Stack.Frames;
                for (const f of frames)
                    return toInt64(f.Attributes.StackOffset);
            }
            catch (e) { /* no registers and no frames */ }
            return undefined;
        }
        /**
         * The thread's stack: NtTib.StackLimit..StackBase from the TEB; without a readable TEB, a bounded
         * range above the stack pointer (`fallbackBytes`), marked as such.
         */
        stackRange(thread, fallbackBytes) {
            let note;
            try {
                const teb = thread.model.Environment.EnvironmentBlock;
                if (teb === undefined || teb === null) {
                    note = "the thread has no typed TEB (ntdll symbols or the _TEB type are missing)";
                }
                else {
                    const tib = teb.NtTib;
                    const base = asAddress(tib.StackBase);
                    const limit = asAddress(tib.StackLimit);
                    if (compareU64(limit, base) < 0)
                        return { limit, base, source: "teb" };
                    note = "the TEB's stack range is empty or inverted (" + this.formatAddress(limit) + " - " + this.formatAddress(base) + ")";
                }
            }
            catch (e) {
                note = "the TEB could not be read: " + errorMessage(e);
            }
            const sp = this.stackPointer(thread);
            if (!sp)
                return notAvailable(note + "; and the thread has no stack pointer");
            const [hi, lo] = halvesOf(sp);
            const limit = toInt64(host.Int64((lo & -4096) >>> 0, hi));
            return { limit, base: addTo(limit, fallbackBytes), source: "stack-pointer", note };
        }
        /**
         * Every thread's TEB stack range, sorted by address, for "is this a pointer into some thread's stack".
         * Costs a TEB read per thread, once per Target; threads without a readable TEB are left out.
         */
        stackRanges() {
            if (!this.stacksCache) {
                const out = [];
                for (const t of this.threads()) {
                    const r = this.stackRange(t, 0);
                    if (r instanceof Unavailable || r.source !== "teb")
                        continue;
                    const [limitHi, limitLo] = halvesOf(r.limit);
                    const [baseHi, baseLo] = halvesOf(r.base);
                    out.push({ threadId: t.id, limitHi, limitLo, baseHi, baseLo });
                }
                out.sort((a, b) => comparePair(a.limitHi, a.limitLo, b.limitHi, b.limitLo));
                this.stacksCache = out;
            }
            return this.stacksCache;
        }
        /** The thread whose stack holds the address (given as halves), if any. */
        stackOwner(hi, lo) {
            const list = this.stackRanges();
            let a = 0;
            let b = list.length - 1;
            let best = -1;
            while (a <= b) {
                const mid = (a + b) >> 1;
                if (comparePair(list[mid].limitHi, list[mid].limitLo, hi, lo) <= 0) {
                    best = mid;
                    a = mid + 1;
                }
                else
                    b = mid - 1;
            }
            if (best < 0)
                return undefined;
            const s = list[best];
            return comparePair(hi, lo, s.baseHi, s.baseLo) < 0 ? s : undefined;
        }
        // ---- modules ----
        modules() {
            if (!this.index) {
                const list = [];
                for (const m of this.process.Modules) {
                    list.push(moduleInfo(String(m.Name), m.BaseAddress, toNumber(m.Size)));
                }
                this.index = new ModuleIndex(list);
            }
            return this.index;
        }
        /** Sections of a loaded image, read from its headers in memory; undefined when the headers are not in the dump. */
        sections(m) {
            const key = m.baseHi + ":" + m.baseLo;
            let s = this.sectionCache[key];
            if (s === undefined) {
                s = readSections((offset, length) => this.readBytes(addTo(m.base, offset), length)) || null;
                this.sectionCache[key] = s;
            }
            return s || undefined;
        }
        /** Whether an address inside an image is in an executable section: true / false / undefined (headers not in the dump). */
        isExecutable(m, address) {
            const sections = this.sections(m);
            if (!sections)
                return undefined;
            const rva = differenceOf(address, m.base);
            if (rva === undefined)
                return undefined;
            const s = sectionAt(sections, rva);
            return s ? s.executable : false; // headers and gaps between sections are not code
        }
        // ---- memory ----
        /** `count` pointer-sized slots at `address` as 32-bit words (two per slot on 64-bit), or undefined if unreadable. */
        readPointerWords(address, count) {
            const words = count * (this.pointerSize() / 4);
            try {
                return host.memory.readMemoryValues(address, words, 4, false, this.process);
            }
            catch (e) {
                return undefined;
            }
        }
        readBytes(address, length) {
            try {
                return host.memory.readMemoryValues(address, length, 1, false, this.process);
            }
            catch (e) {
                return undefined;
            }
        }
        /**
         * Is the code address a plausible return address (a call instruction ends right before it)?
         * Unavailable when the code bytes are not in the dump. Cached per address.
         */
        isReturnSite(address) {
            const [hi, lo] = halvesOf(address);
            const key = hi + ":" + lo;
            let v = this.callSiteCache[key];
            if (v === undefined) {
                const arch = this.architecture();
                const n = callWindow(arch);
                const bytes = this.readBytes(addTo(address, -n), n);
                v = bytes ? endsWithCall(bytes, arch) : unreadable("code bytes before " + this.formatAddress(address) + " are not in the dump");
                this.callSiteCache[key] = v;
            }
            return v;
        }
        // ---- symbols ----
        /** `module!symbol+0xoff` (or `module+0xoff` without symbols) for an address inside a module; cached per address. */
        symbolize(address, m) {
            const [hi, lo] = halvesOf(address);
            const key = hi + ":" + lo;
            const hit = this.symbolCache[key];
            if (hit)
                return hit;
            let result;
            try {
                const info = host.getModuleContainingSymbolInformation(address, this.process);
                if (info && typeof info.name === "string" && info.name !== "") {
                    const name = info.name.indexOf("!") >= 0 ? info.name : m.symbolName + "!" + info.name;
                    const disp = info.address !== undefined ? differenceOf(address, info.address) : undefined;
                    if (disp !== undefined && disp >= 0) {
                        result = { text: disp ? name + "+0x" + disp.toString(16) : name, hasSymbol: true };
                    }
                }
            }
            catch (e) { /* no symbol covers the address (the provider throws or returns null) */ }
            if (!result) {
                const off = differenceOf(address, m.base);
                result = { text: m.symbolName + "+0x" + (off === undefined ? "?" : off.toString(16)), hasSymbol: false };
            }
            this.symbolCache[key] = result;
            return result;
        }
    }
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
     * The dx face of an analysis result: a collection that is iterable and indexable (`[0x3]`), whose
     * display string is the one-line summary, and whose rows are objects with flat getter properties and
     * help text, so `dx -g`, `.Where(...)` and `.Select(...)` behave as on built-in collections.
     */
    /** Makes the row class of an analysis: one getter per column, `toString` = the row's one-line text. */
    function rowClass(analysis) {
        const columns = analysis.meta.columns.concat(BASE_COLUMNS);
        const text = analysis.rowText;
        // A constructor function rather than a class: its prototype gets generated getters.
        const ResultRow = function (record, pointerSize) {
            this.__record = record;
            this.__pointerSize = pointerSize;
        };
        const proto = ResultRow.prototype;
        const descriptor = {};
        for (const c of columns) {
            const name = c.name;
            Object.defineProperty(proto, name, {
                // undefined hides the property in dx (not applicable to this row).
                get() { return this.__record[name]; },
                enumerable: true,
                configurable: true,
            });
            descriptor[name] = { Help: c.help };
        }
        Object.defineProperty(proto, "toString", {
            value: function () {
                const r = this.__record;
                return text ? text(r, { pointerSize: this.__pointerSize }) : r.Verdict + ": " + r.Evidence;
            },
            enumerable: false, configurable: true, writable: true,
        });
        defineMetadataDescriptor(proto, descriptor);
        return ResultRow;
    }
    /** Adds `[Symbol.metadataDescriptor]` when the provider defines that symbol (it does before loading scripts). */
    function defineMetadataDescriptor(target, descriptor) {
        const sym = Symbol.metadataDescriptor;
        if (typeof sym !== "symbol")
            return;
        Object.defineProperty(target, sym, { get: () => descriptor, enumerable: false, configurable: true });
    }
    class ResultSet {
        constructor(result, RowClass, json) {
            this.__rows = result.rows.map((r) => new RowClass(r, result.pointerSize));
            this.__summary = result.summary;
            this.__json = json;
        }
        /** The result as one export document (docs/schema.md), as JSON text. */
        ToJson() {
            return this.__json();
        }
        *[Symbol.iterator]() {
            const rows = this.__rows;
            for (let i = 0; i < rows.length; i++)
                yield new host.indexedValue(rows[i], [i]);
        }
        getDimensionality() {
            return 1;
        }
        getValueAt(index) {
            const i = toNumber(index);
            const row = this.__rows[i];
            if (row === undefined)
                throw new RangeError("no row at index " + i + " (" + this.__rows.length + " rows)");
            return row;
        }
        toString() {
            return this.__summary;
        }
    }

    /**
     * The ewmda namespace: `Debugger.Utility.Ewmda`, also reachable as `@$ewmda()` and, after
     * `.scriptrun` or the first ewmda call, as the user variable `@$ewmda`. One method per analysis; each
     * returns a collection of rows (iterable, indexable, with a one-line display string) and has a `!`
     * command that prints the same rows as a table.
     * @namespace Ewmda
     * @example dx Debugger.Utility.Ewmda
     * @example dx -v @$ewmda().RawStack
     * @example dx @$ewmda.Config
     */
    /** `RawStack(tid?, options?) - summary. Options: ... Patterns: ...` */
    function methodHelp(a) {
        const m = a.meta;
        const params = m.params.map((p) => p.name + (p.optional ? "?" : "")).join(", ");
        let text = m.name + "(" + params + ") - " + m.summary + ".";
        if (m.options.length)
            text += " Options: " + m.options.map((o) => o.name + " (" + o.help + ")").join("; ") + ".";
        text += " Pattern: " + m.patterns.join(", ") + ". Command: !ewmda." + m.command + " (or !ewmda_" + m.command + ").";
        return text;
    }
    /** The class whose prototype becomes the parent model of Debugger.Utility.Ewmda. */
    function namespaceClass(analyses, owner) {
        const Ewmda = function EwmdaNamespace() { };
        const proto = Ewmda.prototype;
        const descriptor = {};
        for (const a of analyses) {
            Object.defineProperty(proto, a.meta.name, {
                value: function (...args) { return owner.invoke(a, args); },
                enumerable: false, configurable: true, writable: true,
            });
            descriptor[a.meta.name] = { Help: methodHelp(a), PreferShow: true };
        }
        Object.defineProperty(proto, "Config", {
            get() { return configView(owner.config, analyses); }, enumerable: true, configurable: true,
        });
        descriptor.Config = { Help: "Thresholds and budgets of every analysis; each setting's help gives its default and the reason" };
        Object.defineProperty(proto, "Version", {
            get() { return owner.version; }, enumerable: true, configurable: true,
        });
        descriptor.Version = { Help: "ewmda version" };
        Object.defineProperty(proto, "toString", {
            value: () => "ewmda " + owner.version + ": " + analyses.length + " analyses (dx -v Debugger.Utility.Ewmda shows their help)",
            enumerable: false, configurable: true, writable: true,
        });
        defineMetadataDescriptor(proto, descriptor);
        return Ewmda;
    }
    /** Config sections as objects with getters/setters and help, so dx shows and changes them. */
    function configView(config, analyses) {
        const view = {};
        const descriptorOfView = {};
        for (const a of analyses) {
            const specs = a.meta.settings;
            const values = config[a.meta.name];
            if (!specs || !values)
                continue;
            const section = a.meta.name;
            const obj = {};
            const descriptor = {};
            for (const key of Object.keys(specs)) {
                const spec = specs[key];
                Object.defineProperty(obj, key, {
                    get: () => values[key],
                    set: (v) => { values[key] = coerceSetting(spec, v, section + "." + key); },
                    enumerable: true, configurable: true,
                });
                descriptor[key] = { Help: settingHelp(spec) };
            }
            Object.defineProperty(obj, "toString", {
                value: () => Object.keys(specs).map((k) => k + " = " + formatSetting(values[k])).join(", "), enumerable: false,
            });
            defineMetadataDescriptor(obj, descriptor);
            view[section] = obj;
            descriptorOfView[section] = { Help: a.meta.name + " settings" };
        }
        Object.defineProperty(view, "toString", { value: () => "ewmda settings (dx -v shows defaults and reasons)", enumerable: false });
        defineMetadataDescriptor(view, descriptorOfView);
        return view;
    }

    const NAMESPACE_ALIAS = "ewmda";
    const PARENT_MODEL = "Debugger.Models.Utility";
    const SUB_NAMESPACE_MODEL = "Debugger.Models.Utility.Ewmda";
    const ACCESS_NAME = "Ewmda";
    function aliasesFor(a) {
        return { method: a.meta.name, dotted: NAMESPACE_ALIAS + "." + a.meta.command, plain: NAMESPACE_ALIAS + "_" + a.meta.command };
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
            const parsed = parseArguments(args);
            if (typeof parsed === "string") {
                ctx.summary("RawStack: " + parsed);
                yield info(parsed, "heuristic");
                return;
            }
            const { tid, options } = parsed;
            const thread = tid === undefined ? t.currentThread() : t.findThread(tid);
            if (!thread) {
                const known = t.threads().map((x) => "0x" + x.id.toString(16));
                const text = tid === undefined ? "there is no current thread" :
                    "thread 0x" + tid.toString(16) + " is not in this process (" + known.length + " threads: " + known.slice(0, 12).join(", ") + (known.length > 12 ? ", ..." : "") + "; ~ lists them)";
                ctx.summary("RawStack: " + text);
                yield info(text, "typed");
                return;
            }
            const tidText = "0x" + thread.id.toString(16);
            const range = t.stackRange(thread, cfg.FallbackScanBytes);
            if (range instanceof Unavailable) {
                ctx.summary("RawStack thread " + tidText + ": no stack range");
                yield info("no stack range for thread " + tidText + ": " + range.reason + " (try !teb, .reload /f ntdll.dll)", "typed");
                return;
            }
            const source = range.source === "teb" ? "typed" : "heuristic";
            if (range.note) {
                yield info("thread " + tidText + ": " + range.note + "; scanning " + t.formatAddress(range.limit) + " - " + t.formatAddress(range.base) +
                    " from the stack pointer instead (.reload /f ntdll.dll may restore the TEB)", "heuristic");
            }
            const ps = t.pointerSize();
            const total = differenceOf(range.base, range.limit);
            if (total === undefined || total <= 0) {
                yield info("thread " + tidText + ": the stack range is empty", source);
                return;
            }
            const sp = t.stackPointer(thread);
            const [spHi, spLo] = sp ? halvesOf(sp) : [0, 0];
            const [limHi, limLo] = halvesOf(range.limit);
            const [baseHi, baseLo] = halvesOf(range.base);
            const modules = t.modules();
            const wanted = options.module !== undefined ? modules.byName(options.module) : undefined;
            if (options.module !== undefined && !wanted) {
                yield info("no module named " + options.module + " is loaded (lm lists them); nothing can point into it", "typed");
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
                // Part of the chunk is missing: find the readable pages.
                for (let p = 0; p < bytes; p += pageBytes) {
                    const n = Math.min(pageBytes, bytes - p);
                    const pageAddress = addTo(address, p);
                    const pageWords = t.readPointerWords(pageAddress, n / ps);
                    if (pageWords) {
                        const pending = flushUnreadable();
                        if (pending)
                            yield pending;
                        yield* classify(pageAddress, pageWords, n / ps);
                    }
                    else {
                        if (!unreadableStart)
                            unreadableStart = pageAddress;
                        unreadableLength += n;
                        unreadableBytes += n;
                        slots += n / ps;
                    }
                }
            }
            const last = flushUnreadable();
            if (last)
                yield last;
            const rangeText = t.formatAddress(range.limit) + " - " + t.formatAddress(range.base);
            if (dropped > 0) {
                yield info(dropped + " more rows were not kept (Config.RawStack.MaxRows = " + cfg.MaxRows + "); narrow with Module or SymbolsOnly", source);
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
    function info(text, source) {
        return { Verdict: "Info", Evidence: text, Source: source };
    }
    /** (tid?, options?) from dx or a `!` command; a string describing the problem when they make no sense. */
    function parseArguments(args) {
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

    const ANALYSES = [rawStack];

    /**
     * The bundle's entry: the three functions the provider looks for. `initializeScript` only turns the
     * registry into registration records (phase 1: the target is not touched); the `@$ewmda` user variable
     * is made later, from phase-2 code (invokeScript or the first call of any ewmda alias).
     */
    /** State of one loaded copy of the script (reloading the script makes a new one). */
    class Runtime {
        constructor(analyses) {
            this.analyses = analyses;
            this.version = VERSION;
            this.rowClasses = {};
            this.variableState = "pending";
            this.config = createConfig(analyses);
        }
        rowClassOf(a) {
            let c = this.rowClasses[a.meta.name];
            if (!c) {
                c = rowClass(a);
                this.rowClasses[a.meta.name] = c;
            }
            return c;
        }
        /** dx face: a ResultSet of row objects. */
        invoke(a, args) {
            this.ensureUserVariable();
            const target = new Target();
            const result = runAnalysis(a, target, this.config, args);
            return new ResultSet(result, this.rowClassOf(a), () => toJsonText(result, describeTarget(target)));
        }
        /** `!` face: the same result as a table, printed. */
        command(a, args) {
            this.ensureUserVariable();
            const result = runAnalysis(a, new Target(), this.config, args);
            const lines = renderTable(result);
            // debugLog is the only console channel a script has (reference §4.3).
            host.diagnostics.debugLog(lines.join("\n") + "\n");
        }
        /** The sub-namespace object, for the `ewmda` alias. */
        namespaceObject() {
            this.ensureUserVariable();
            return host.namespace.Debugger.Utility[ACCESS_NAME];
        }
        /** `dx @$ewmda = Debugger.Utility.Ewmda`, once, from phase-2 code. */
        ensureUserVariable() {
            if (this.variableState !== "pending")
                return;
            try {
                const lines = host.namespace.Debugger.Utility.Control.ExecuteCommand("dx @$" + NAMESPACE_ALIAS + " = Debugger.Utility." + ACCESS_NAME);
                // Whether the command runs before its output is iterated is unconfirmed: iterate to be sure.
                let error;
                for (const line of lines)
                    if (/^\s*Error/.test(String(line)))
                        error = String(line);
                this.variableState = error ? "failed" : "set";
                this.variableError = error;
            }
            catch (e) {
                this.variableState = "failed";
                this.variableError = errorMessage(e);
            }
        }
        removeUserVariable() {
            if (this.variableState !== "set")
                return;
            try {
                for (const line of host.namespace.Debugger.Utility.Control.ExecuteCommand("dx @$vars.Remove(\"" + NAMESPACE_ALIAS + "\")"))
                    void line;
            }
            catch (e) { /* the variable may already be gone */ }
            this.variableState = "pending";
        }
    }
    let runtime;
    function initializeScript() {
        const h = host; // phase 1: only registration members exist
        const rt = new Runtime(ANALYSES);
        runtime = rt;
        const records = [
            new h.apiVersionSupport(1, 9),
            new h.namespacePropertyParent(namespaceClass(ANALYSES, rt), PARENT_MODEL, SUB_NAMESPACE_MODEL, ACCESS_NAME),
            // Aliases are optional: functionAlias can fail ("Cannot modify debugger object model" under some
            // KD sessions); Debugger.Utility.Ewmda still works then.
            new h.optionalRecord(new h.functionAlias(() => rt.namespaceObject(), NAMESPACE_ALIAS)),
        ];
        for (const a of ANALYSES) {
            const names = aliasesFor(a);
            const fn = (...args) => rt.command(a, args);
            records.push(new h.optionalRecord(new h.functionAlias(fn, names.dotted)));
            records.push(new h.optionalRecord(new h.functionAlias(fn, names.plain)));
        }
        return records;
    }
    function invokeScript() {
        if (!runtime)
            return;
        runtime.ensureUserVariable();
        const first = ANALYSES[0] ? ANALYSES[0].meta : undefined;
        host.diagnostics.debugLog("ewmda " + VERSION + " loaded: dx Debugger.Utility.Ewmda lists " + ANALYSES.length + " analyses" +
            (first ? "; try dx @$ewmda." + first.name + "() or !ewmda." + first.command : "") +
            (runtime.variableError ? "\n(could not create @$ewmda: " + runtime.variableError + "; use dx @$ewmda() or Debugger.Utility.Ewmda)" : "") + "\n");
    }
    function uninitializeScript() {
        if (runtime)
            runtime.removeUserVariable();
        runtime = undefined;
    }

    exports.initializeScript = initializeScript;
    exports.invokeScript = invokeScript;
    exports.uninitializeScript = uninitializeScript;

    return exports;

})({});
function initializeScript() { return __ewmda.initializeScript(); }
function invokeScript() { return __ewmda.invokeScript(); }
function uninitializeScript() { return __ewmda.uninitializeScript(); }
