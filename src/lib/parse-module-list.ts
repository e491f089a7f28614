/**
 * `lmv` (verbose module listing): per module the `lm` line (range, name, symbol status, symbol file) and the
 * indented block of what the debugger knows from the dump's module stream and, when the image is mapped,
 * its resources. WinDbg prints it as
 *
 *     start             end                 module name
 *     00007ff6`a1b20000 00007ff6`a1b45000   notepad    (deferred)
 *         Image path: C:\Windows\System32\notepad.exe
 *         Image name: notepad.exe
 *         Browse all global symbols  functions  data
 *         Image was built with /Brepro flag.
 *         Timestamp:        1C5A3C41 (This is a reproducible build file hash, not a timestamp)
 *         CheckSum:         0003D70E
 *         ImageSize:        00025000
 *         File version:     10.0.19041.1865
 *         Product version:  10.0.19041.1865
 *         File flags:       0 (Mask 3F)
 *         File OS:          40004 NT Win32
 *         File type:        1.0 App
 *         File date:        00000000.00000000
 *         Translations:     0409.04b0
 *         Information from resource tables:
 *             CompanyName:      Microsoft Corporation
 *             ProductName:      Microsoft® Windows® Operating System
 *             FileVersion:      10.0.19041.1865 (WinBuild.160101.0800)
 *
 * A dated timestamp reads `Timestamp:        Tue Oct 18 03:49:39 2016 (58058A63)`. Modules whose symbols
 * loaded add `Loaded symbol image file:` / `Symbol file:` lines. Unknown lines are counted, never fatal.
 * (Only the range and unloaded-module parts of plain `lm` matter elsewhere: parse-lm.ts.)
 */
import { parseLm, type LmRange } from "./parse-lm";
import { trimRight } from "./values";

export interface ModuleDetails {
  readonly range: LmRange;
  /** The `lm` name column (`notepad`, `ntdll_77a80000` for a second instance). */
  readonly name: string;
  /** `deferred`, `pdb symbols`, `private pdb symbols`, `export symbols`, `no symbols`, ... */
  readonly symbolStatus: string | undefined;
  /** The symbol file path printed after the status, when symbols loaded. */
  readonly symbolFile: string | undefined;
  readonly imagePath: string | undefined;
  readonly imageName: string | undefined;
  /** TimeDateStamp value (hex in the output). */
  readonly timestamp: number | undefined;
  /** The debugger says the timestamp is a reproducible-build hash. */
  readonly reproducible: boolean;
  readonly checksum: number | undefined;
  readonly imageSize: number | undefined;
  readonly fileVersion: string | undefined;
  readonly productVersion: string | undefined;
  /** "Information from resource tables" (CompanyName, ProductName, FileDescription, ...), when the image was mapped. */
  readonly resources: { readonly [key: string]: string };
}

export interface ModuleListing {
  readonly modules: readonly ModuleDetails[];
  readonly unloaded: readonly LmRange[];
  /** Non-blank lines neither a module line nor a known detail line. */
  readonly unparsed: number;
}

interface Mutable {
  range: LmRange;
  name: string;
  symbolStatus: string | undefined;
  symbolFile: string | undefined;
  imagePath: string | undefined;
  imageName: string | undefined;
  timestamp: number | undefined;
  reproducible: boolean;
  checksum: number | undefined;
  imageSize: number | undefined;
  fileVersion: string | undefined;
  productVersion: string | undefined;
  resources: { [key: string]: string };
}

const HEX = /^([0-9a-f]{1,8})\b/i;
const STATUS_TAIL = /\(([^)]*)\)\s*(.*)$/;

/** Parses `lmv` output (also plain `lm`, whose modules then carry only range, name and status). */
export function parseModuleList(lines: readonly string[]): ModuleListing {
  const modules: Mutable[] = [];
  let unloaded: LmRange[] = [];
  let unparsed = 0;
  let current: Mutable | undefined;
  let inResources = false;
  let inUnloaded = false;
  const tail: string[] = [];
  for (const raw of lines) {
    const line = trimRight(String(raw));
    if (line.trim() === "") continue;
    if (/^\s*Unloaded modules:/i.test(line)) { inUnloaded = true; current = undefined; tail.push(line); continue; }
    if (inUnloaded) { tail.push(line); continue; }
    const lm = parseLm([line]);
    if (lm.loaded.length === 1) {
      const r = lm.loaded[0]!;
      const st = STATUS_TAIL.exec(line);
      current = {
        range: r, name: r.name, symbolStatus: r.status, symbolFile: st && st[2] ? st[2].trim() : undefined,
        imagePath: undefined, imageName: undefined, timestamp: undefined, reproducible: false, checksum: undefined, imageSize: undefined,
        fileVersion: undefined, productVersion: undefined, resources: {},
      };
      modules.push(current);
      inResources = false;
      continue;
    }
    if (/^\s*start\s+end\s+module name/i.test(line)) continue;
    if (!current) { unparsed++; continue; }
    const t = line.trim();
    if (/^Information from resource tables:/i.test(t)) { inResources = true; continue; }
    const kv = /^([A-Za-z][A-Za-z .]*?):\s+(.*)$/.exec(t);
    if (!kv) {
      if (!/^Browse all global symbols|^Image was built with|^Loaded symbol image file|^Mapped memory image file/i.test(t)) unparsed++;
      continue;
    }
    const key = kv[1]!;
    const value = kv[2]!.trim();
    if (inResources) { current.resources[key] = value; continue; }
    switch (key.toLowerCase()) {
      case "image path": current.imagePath = value; break;
      case "image name": current.imageName = value; break;
      case "timestamp": {
        // `1C5A3C41 (This is a reproducible build file hash, not a timestamp)` or `Tue Oct 18 03:49:39 2016 (58058A63)`.
        const dated = /\(([0-9a-f]{1,8})\)\s*$/i.exec(value);
        const bare = HEX.exec(value);
        if (dated) current.timestamp = parseInt(dated[1]!, 16) >>> 0;
        else if (bare) current.timestamp = parseInt(bare[1]!, 16) >>> 0;
        if (/reproducible|not a timestamp/i.test(value)) current.reproducible = true;
        break;
      }
      case "checksum": { const m = HEX.exec(value); if (m) current.checksum = parseInt(m[1]!, 16) >>> 0; break; }
      case "imagesize": { const m = HEX.exec(value); if (m) current.imageSize = parseInt(m[1]!, 16) >>> 0; break; }
      case "file version": current.fileVersion = value; break;
      case "product version": current.productVersion = value; break;
      case "symbol file": if (!current.symbolFile) current.symbolFile = value; break;
      case "file flags": case "file os": case "file type": case "file date": case "translations": case "loaded symbol image file":
      case "mapped memory image file": case "image was built with": break;
      default: unparsed++;
    }
  }
  if (tail.length) unloaded = parseLm(tail).unloaded.slice();
  return { modules, unloaded, unparsed };
}
