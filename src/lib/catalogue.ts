/**
 * The pattern catalogue: the 40 memory analysis patterns ewmda serves (the summary table of
 * `../shared/reference/patterns.md`), each with a definition in our own words, the dump kinds it applies
 * to and the classic commands a person would use. Which ewmda analyses give evidence for a pattern is
 * not written here: it is derived from the registry (every analysis's `meta.patterns`), so the catalogue
 * cannot drift from what is implemented. Part of the WinDbg bundle: ES2017 only, no target access.
 */

/**
 * "complete" covers complete (full) memory dumps and active dumps; "kernel minidump" is the small
 * triage dump with one processor context; "several" means the pattern needs a series of dumps.
 */
export type DumpKind = "user" | "kernel" | "complete" | "kernel minidump" | "several";

export interface PatternSpec {
  /** Exactly as in the summary table (the name analyses use in `meta.patterns`). */
  readonly name: string;
  /** One to three sentences, in the project's own words. */
  readonly definition: string;
  /** The kinds the summary table lists for the pattern (kinds it only mentions in parentheses are left to the note). */
  readonly dumpKinds: readonly DumpKind[];
  /** Limits and partial support by dump kind, when there is something to say. */
  readonly dumpNote?: string;
  /** What a person types in the debugger to look for the pattern by hand. */
  readonly classicCommands: readonly string[];
}

/** What the catalogue needs to know about an analysis (its registry metadata). */
export interface AnalysisRef {
  readonly meta: { readonly name: string; readonly patterns: readonly string[] };
}

export interface CatalogueEntry extends PatternSpec {
  /** dx names of the analyses whose `meta.patterns` include this pattern, in registry order. */
  readonly analyses: readonly string[];
  readonly automated: boolean;
}

/** What an entry says when no analysis automates its pattern. */
export const NO_AUTOMATED_CHECK = "no automated check yet";

const USER_KERNEL_COMPLETE: readonly DumpKind[] = ["user", "kernel", "complete"];
const KERNEL_COMPLETE: readonly DumpKind[] = ["kernel", "complete"];
const USER_COMPLETE: readonly DumpKind[] = ["user", "complete"];
const ANY_DUMP: readonly DumpKind[] = ["user", "kernel", "complete", "kernel minidump"];

/** In the order of the summary table. */
export const PATTERNS: readonly PatternSpec[] = [
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
export function catalogue(analyses: readonly AnalysisRef[]): CatalogueEntry[] {
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

/** The catalogue pattern with this name (exact, then ignoring case), or undefined. */
export function findPattern<T extends PatternSpec>(entries: readonly T[], name: string): T | undefined {
  for (const e of entries) if (e.name === name) return e;
  const lower = name.toLowerCase();
  for (const e of entries) if (e.name.toLowerCase() === lower) return e;
  return undefined;
}

/**
 * What does not join: an analysis naming a pattern that is not in the catalogue, or an entry pointing to
 * an analysis the registry does not have. Empty when the two agree (a test keeps it so).
 */
export function catalogueProblems(analyses: readonly AnalysisRef[], entries: readonly CatalogueEntry[] = catalogue(analyses)): string[] {
  const problems: string[] = [];
  const names: { [name: string]: true } = {};
  for (const e of entries) names[e.name] = true;
  for (const a of analyses) {
    for (const p of a.meta.patterns) {
      if (!names[p]) problems.push(a.meta.name + " names the pattern \"" + p + "\", which is not in the catalogue");
    }
  }
  for (const e of entries) {
    for (const n of e.analyses) {
      if (!analyses.some((a) => a.meta.name === n)) problems.push("\"" + e.name + "\" points to the analysis " + n + ", which is not in the registry");
    }
  }
  return problems;
}

/** One line per entry's automation: analysis names, or exactly "no automated check yet". */
export function automationText(entry: CatalogueEntry): string {
  return entry.automated ? entry.analyses.join(", ") : NO_AUTOMATED_CHECK;
}

/** The `!ewmda.patterns` table (also what `ewmda patterns` prints): a title, a header, one line per pattern. */
export function renderCatalogue(entries: readonly CatalogueEntry[]): string[] {
  const automated = entries.filter((e) => e.automated).length;
  const header = ["Pattern", "Dump kinds", "ewmda analyses"];
  const rows = entries.map((e) => [e.name, e.dumpKinds.join(", "), automationText(e)]);
  const widths = header.map((h, k) => {
    let w = h.length;
    for (const r of rows) if (r[k]!.length > w) w = r[k]!.length;
    return w;
  });
  const line = (cells: readonly string[]) => cells.map((s, k) => (k === cells.length - 1 ? s : s + " ".repeat(widths[k]! - s.length))).join("  ");
  return [
    "ewmda pattern catalogue: " + entries.length + " patterns, " + automated + " with an automated check",
    line(header),
    ...rows.map(line),
  ];
}
