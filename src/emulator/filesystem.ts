/**
 * `Debugger.Utility.FileSystem` (reference §6.9) over a folder on this machine that stands for the
 * Windows file system: `C:\logs\x.json` becomes `<root>/C/logs/x.json`. Nothing outside the root is
 * touched.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { modelCollection } from "./collection";
import type { EmulatedDebugger } from "./debugger";

type Encoding = "Ascii" | "Utf8" | "Utf16";

export function createFileSystem(dbg: EmulatedDebugger, rootArg?: string) {
  let root: string | undefined = rootArg;
  const ensureRoot = (): string => {
    if (!root) root = fs.mkdtempSync(path.join(os.tmpdir(), "ewmda-fs-"));
    fs.mkdirSync(path.join(root, "C", "work"), { recursive: true });
    fs.mkdirSync(path.join(root, "C", "temp"), { recursive: true });
    return root;
  };
  const cwd = "C:\\work";
  const temp = "C:\\temp";

  /** Windows path → host path under the root. */
  const hostPath = (winPath: string): string => {
    const r = ensureRoot();
    let p = winPath.replace(/\//g, "\\");
    if (!/^[A-Za-z]:\\/.test(p)) p = cwd + "\\" + p;
    const drive = p[0]!.toUpperCase();
    const parts = p.slice(3).split("\\").filter((x) => x !== "" && x !== ".");
    const clean: string[] = [];
    for (const part of parts) { if (part === "..") clean.pop(); else clean.push(part); }
    return path.join(r, drive, ...clean);
  };
  const winPathOf = (p: string): string => {
    let w = p.replace(/\//g, "\\");
    if (!/^[A-Za-z]:\\/.test(w)) w = cwd + "\\" + w;
    return w;
  };

  const fileObject = (winPath: string) => {
    const hp = hostPath(winPath);
    let position = 0;
    let open = true;
    const check = () => { if (!open) throw new Error("The file is closed"); };
    return {
      get Name() { return path.basename(hp); },
      get Path() { return winPathOf(winPath); },
      get Extension() { return path.extname(hp); },
      get Size() { return fs.existsSync(hp) ? fs.statSync(hp).size : 0; },
      get Position() { return position; },
      set Position(v: number) { position = Number(v); },
      Close() { open = false; },
      Delete() { open = false; fs.rmSync(hp, { force: true }); },
      Open(_disposition: string) { open = true; },
      WriteBytes(bytes: ArrayLike<number> | Iterable<number>, count?: number) {
        check();
        const arr = Array.from(bytes as Iterable<number>).slice(0, count ?? undefined);
        const fd = fs.openSync(hp, fs.existsSync(hp) ? "r+" : "w+");
        try { fs.writeSync(fd, Uint8Array.from(arr), 0, arr.length, position); } finally { fs.closeSync(fd); }
        position += arr.length;
      },
      ReadBytes(n: number) {
        check();
        const buf = Buffer.alloc(Number(n));
        const fd = fs.openSync(hp, "r");
        let got = 0;
        try { got = fs.readSync(fd, buf, 0, buf.length, position); } finally { fs.closeSync(fd); }
        position += got;
        return modelCollection(dbg.collectionEnv, Array.from(buf.subarray(0, got)));
      },
      __hostPath: hp,
    };
  };
  type FileObj = ReturnType<typeof fileObject>;

  const createFile = (winPath: string, disposition: string = "CreateAlways"): FileObj => {
    const hp = hostPath(winPath);
    fs.mkdirSync(path.dirname(hp), { recursive: true });
    const exists = fs.existsSync(hp);
    if (disposition === "CreateNew" && exists) throw new Error(`The file ${winPath} already exists`);
    if (disposition === "OpenExisting" && !exists) throw new Error(`The file ${winPath} does not exist`);
    if (disposition === "CreateAlways" || !exists) fs.writeFileSync(hp, "");
    return fileObject(winPath);
  };

  const encode = (text: string, encoding: Encoding): Buffer => {
    if (encoding === "Utf16") return Buffer.from(text, "utf16le");
    if (encoding === "Utf8") return Buffer.from(text, "utf8");
    return Buffer.from(text.replace(/[^\x00-\x7f]/g, "?"), "latin1");
  };

  const resolveFile = (fileOrPath: unknown, disposition: string): FileObj =>
    typeof fileOrPath === "string" ? createFile(fileOrPath, disposition) : (fileOrPath as FileObj);

  // A writer writes through its file at the file's Position and moves it on, as a file handle does: a
  // writer over a file opened with OpenExisting overwrites from the start unless Position is moved first.
  const textWriter = (fileOrPath: unknown, encoding: Encoding = "Ascii") => {
    const file = resolveFile(fileOrPath, "CreateAlways");
    const append = (s: string) => {
      const data = encode(s, encoding);
      file.WriteBytes(data);
    };
    const str = (o: unknown) => String(o);
    return {
      Write: (o: unknown) => append(str(o)),
      WriteLine: (o: unknown) => append(str(o) + "\n"),
      WriteContents: (it: Iterable<unknown>) => { for (const x of it) append(str(x)); },
      WriteLineContents: (it: Iterable<unknown>) => { for (const x of it) append(str(x) + "\n"); },
    };
  };

  const textReader = (fileOrPath: unknown, encoding: Encoding = "Ascii") => {
    const file = typeof fileOrPath === "string" ? fileObject(fileOrPath) : (fileOrPath as FileObj);
    const buf = fs.readFileSync(file.__hostPath);
    const text = encoding === "Utf16" ? buf.toString("utf16le") : buf.toString(encoding === "Utf8" ? "utf8" : "latin1");
    const lines = text.split(/\r?\n/);
    if (lines[lines.length - 1] === "") lines.pop();
    let next = 0;
    return {
      ReadLine: () => { if (next >= lines.length) throw new Error("End of file"); return lines[next++]!; },
      // One-shot, as the real one consumes lines while iterating (reference §5.3).
      ReadLineContents: () => modelCollection(dbg.collectionEnv, () => lines.slice(next).map((l) => { next++; return l; })),
    };
  };

  const directory = (winPath: string): Record<string, unknown> => ({
    get Path() { return winPath; },
    CreateFile: (rel: string, disp?: string) => createFile(winPath + "\\" + rel, disp),
    OpenFile: (rel: string) => fileObject(winPath + "\\" + rel),
    CreateSubDirectory: (name: string) => { fs.mkdirSync(hostPath(winPath + "\\" + name), { recursive: true }); return directory(winPath + "\\" + name); },
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
    CreateFile: () => (p: string, disposition?: string) => { dbg.counters.other++; return createFile(p, disposition); },
    CreateTempFile: () => () => { dbg.counters.other++; return createFile(`${temp}\\tmp${++tempCounter}.tmp`, "CreateAlways"); },
    CreateTextReader: () => (f: unknown, e?: Encoding) => { dbg.counters.other++; return textReader(f, e); },
    CreateTextWriter: () => (f: unknown, e?: Encoding) => { dbg.counters.other++; return textWriter(f, e); },
    DeleteFile: () => (p: string) => { dbg.counters.other++; fs.rmSync(hostPath(p), { force: true }); },
    FileExists: () => (p: string) => { dbg.counters.other++; return fs.existsSync(hostPath(p)); },
    OpenFile: () => (p: string) => {
      dbg.counters.other++;
      if (!fs.existsSync(hostPath(p))) throw new Error(`The file ${p} does not exist`);
      return fileObject(p);
    },
    CurrentDirectory: () => directory(cwd),
    TempDirectory: () => directory(temp),
  }, () => "");

  return {
    namespace,
    /** Where a Windows path lands on this machine (for tests). */
    hostPath,
    get root(): string { return ensureRoot(); },
  };
}
