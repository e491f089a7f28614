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

    function budget(limitMs) {
        const start = Date.now();
        return { limitMs, exceeded: () => limitMs > 0 && Date.now() - start > limitMs };
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
    function runAnalysis(analysis, target, config, args, options = {}) {
        var _a, _b, _c;
        const rows = [];
        let summary = analysis.meta.name;
        let partial = false;
        const settings = (_a = config[analysis.meta.name]) !== null && _a !== void 0 ? _a : {};
        const b = budget((_b = options.budgetMs) !== null && _b !== void 0 ? _b : 0);
        const ctx = {
            target, config, settings: settings, analyses: (_c = options.analyses) !== null && _c !== void 0 ? _c : [], budget: b,
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
    /** The catalogue pattern with this name (exact, then ignoring case), or undefined. */
    function findPattern(entries, name) {
        for (const e of entries)
            if (e.name === name)
                return e;
        const lower = name.toLowerCase();
        for (const e of entries)
            if (e.name.toLowerCase() === lower)
                return e;
        return undefined;
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
     * Every thread's stack, read once per call from the data model (`Thread.Stack.Frames`) and shared by all
     * analyses of that call (through the Target): frames with their module, symbol and normalized function
     * name, and a signature for grouping identical stacks. Symbols are looked up once per distinct address.
     */
    /**
     * A frame whose stack pointer is read from the model on first use: grouping and matching stacks need
     * only the instruction addresses, and every property read is a host call (a third of a frame's cost).
     */
    class Frame {
        constructor(index, ip, attrs, module, symbol, func, hasSymbol) {
            this.index = index;
            this.ip = ip;
            this.attrs = attrs;
            this.module = module;
            this.symbol = symbol;
            this.func = func;
            this.hasSymbol = hasSymbol;
            this.spRead = false;
        }
        get sp() {
            if (!this.spRead) {
                this.spRead = true;
                try {
                    const s = this.attrs.StackOffset;
                    this.spValue = isInt64(s) || typeof s === "number" ? toInt64(s) : undefined;
                }
                catch (e) {
                    this.spValue = undefined;
                }
            }
            return this.spValue;
        }
    }
    /** Reads one thread's frames (at most `maxFrames`). */
    function readThreadStack(t, thread, maxFrames) {
        let frames;
        try {
            const out = [];
            const modules = t.modules();
            for (const f of thread.model.Stack.Frames) {
                if (out.length >= maxFrames)
                    break;
                const attrs = f.Attributes;
                const ip = toInt64(attrs.InstructionOffset);
                const module = modules.find(ip);
                let symbol;
                let hasSymbol = false;
                if (module) {
                    const s = t.symbolize(ip, module);
                    symbol = s.text;
                    hasSymbol = s.hasSymbol;
                }
                else {
                    symbol = t.formatAddress(ip);
                }
                const plus = symbol.lastIndexOf("+0x");
                const func = hasSymbol && plus > 0 ? symbol.slice(0, plus) : symbol;
                out.push(new Frame(out.length, ip, attrs, module, symbol, func, hasSymbol));
            }
            frames = out;
        }
        catch (e) {
            frames = notAvailable("the stack of thread 0x" + thread.id.toString(16) + " could not be read: " + errorMessage(e));
        }
        const signature = Array.isArray(frames) ? frames.map((f) => f.func).join("\n") : "";
        return { thread, frames, signature };
    }
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
     * The one thin typed layer between analyses and `host`: processes, threads, stack ranges, modules,
     * memory in bulk, symbols. How each thing is fetched, and its fallbacks for missing symbols and
     * unconfirmed provider behaviour, is written once here. A Target is made per analysis call and caches
     * what it fetched for that call only.
     */
    /** Frames read per thread: deeper than any real stack needs, bounded against corrupt frame chains. */
    const MAX_FRAMES = 512;
    class Target {
        constructor(process = host.currentProcess) {
            this.process = process;
            this.symbolCache = {};
            this.sectionCache = {};
            this.callSiteCache = {};
            this.stackCache = {};
            this.typeCache = {};
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
        /** A thread's frames, read once per Target (shared by every analysis of the call). */
        threadStack(thread) {
            let s = this.stackCache[thread.id];
            if (!s) {
                s = readThreadStack(this, thread, MAX_FRAMES);
                this.stackCache[thread.id] = s;
            }
            return s;
        }
        /** Every thread's stack, in thread-list order. */
        threadStacks() {
            return this.threads().map((t) => this.threadStack(t));
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
        // ---- types ----
        /** A module's type (`ntdll`, `_CONTEXT`) from its symbols, or undefined when they do not have it; cached per Target. */
        type(module, typeName) {
            const key = module.toLowerCase() + "!" + typeName;
            let t = this.typeCache[key];
            if (t === undefined) {
                try {
                    t = host.getModuleType(module, typeName, this.process) || null;
                }
                catch (e) {
                    t = null;
                } // API 1.0 throws, 1.1+ returns null
                this.typeCache[key] = t;
            }
            return t || undefined;
        }
        /** sizeof(module!typeName), or undefined without the type. */
        typeSize(module, typeName) {
            const t = this.type(module, typeName);
            if (!t)
                return undefined;
            try {
                return toNumber(t.size);
            }
            catch (e) {
                return undefined;
            }
        }
        /** Offset of a field of module!typeName (one level, by name), or undefined when the type or the field is missing. */
        fieldOffset(module, typeName, field) {
            const t = this.type(module, typeName);
            if (!t)
                return undefined;
            try {
                const f = t.fields[field];
                return f ? toNumber(f.offset) : undefined;
            }
            catch (e) {
                return undefined;
            }
        }
        /**
         * The typed object module!typeName at an address, or undefined without the type. Its fields are read
         * when accessed, so a read of memory missing from the dump throws there; callers catch.
         */
        typedObject(address, module, typeName) {
            const t = this.type(module, typeName);
            if (!t)
                return undefined;
            try {
                return host.createTypedObject(address, t, this.process);
            }
            catch (e) {
                return undefined;
            }
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

    const NAMESPACE_ALIAS = "ewmda";
    const PARENT_MODEL = "Debugger.Models.Utility";
    const SUB_NAMESPACE_MODEL = "Debugger.Models.Utility.Ewmda";
    const ACCESS_NAME = "Ewmda";
    function commandAliases(member, command) {
        return { method: member, dotted: NAMESPACE_ALIAS + "." + command, plain: NAMESPACE_ALIAS + "_" + command };
    }
    function aliasesFor(a) {
        return commandAliases(a.meta.name, a.meta.command);
    }
    /** `!ewmda.patterns` / `!ewmda_patterns`: the pattern catalogue as a table. */
    const PATTERNS_ALIASES = commandAliases("Patterns", "patterns");

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
     * The dx face of the pattern catalogue: `dx @$ewmda.Patterns` is a collection of the 40 patterns,
     * iterable and indexable by pattern name, each an object with flat properties and help text.
     */
    /**
     * The catalogue of memory analysis patterns ewmda serves (40 of them), each with a definition, the dump
     * kinds it applies to, the classic commands a person would use, and the ewmda analyses that give evidence
     * for it (dx paths you can run), or "no automated check yet". Indexable by pattern name; each entry has
     * Name, Definition, DumpKinds, DumpNote (when there is one), Analyses, ClassicCommands and Automated.
     *
     * `!ewmda.patterns` (or `!ewmda_patterns`) prints the same catalogue as a table. The analysis names in
     * that table are plain text, not clickable links: WinDbg shows DML links only in output marked as DML,
     * and a script's only documented console channel, `host.diagnostics.debugLog`, has no DML mode. In dx,
     * the entries and their Analyses are navigable as usual.
     *
     * @member {PatternSet} Patterns
     * @memberof Ewmda
     * @example dx @$ewmda.Patterns
     * @example dx @$ewmda.Patterns["Zombie Processes"]
     * @example dx -g @$ewmda.Patterns.Where(p => p.Automated)
     * @example !ewmda.patterns
     */
    const ENTRY_HELP = {
        Name: { Help: "Pattern name, as in the catalogue" },
        Definition: { Help: "What the pattern means, in a few sentences" },
        DumpKinds: { Help: "Dump kinds the pattern applies to: user, kernel, complete, kernel minidump, several (a series of dumps)" },
        DumpNote: { Help: "Partial support and limits by dump kind" },
        Analyses: { Help: "dx paths of the ewmda analyses that give evidence for the pattern, or \"" + NO_AUTOMATED_CHECK + "\"" },
        ClassicCommands: { Help: "Debugger commands a person would use to look for the pattern by hand" },
        Automated: { Help: "true when at least one ewmda analysis gives evidence for the pattern" },
    };
    /** `Debugger.Utility.Ewmda.RawStack()`: what the catalogue shows for an analysis in dx. */
    function analysisPath(name) {
        return "Debugger.Utility." + ACCESS_NAME + "." + name + "()";
    }
    /** One catalogue entry as dx shows it. */
    class PatternEntry {
        constructor(entry) {
            this.__entry = entry;
        }
        get Name() { return this.__entry.name; }
        get Definition() { return this.__entry.definition; }
        get DumpKinds() { return this.__entry.dumpKinds.slice(); }
        /** undefined hides the property in dx. */
        get DumpNote() { return this.__entry.dumpNote; }
        get Analyses() {
            return this.__entry.automated ? this.__entry.analyses.map(analysisPath) : NO_AUTOMATED_CHECK;
        }
        get ClassicCommands() { return this.__entry.classicCommands.slice(); }
        get Automated() { return this.__entry.automated; }
        toString() {
            return this.__entry.name + " [" + this.__entry.dumpKinds.join(", ") + "]: " + automationText(this.__entry);
        }
    }
    defineMetadataDescriptor(PatternEntry.prototype, ENTRY_HELP);
    /** `dx @$ewmda.Patterns`: iterable, indexable by name (`["Zombie Processes"]`). */
    class PatternSet {
        constructor(entries) {
            this.__catalogue = entries;
            this.__entries = entries.map((e) => new PatternEntry(e));
        }
        *[Symbol.iterator]() {
            const entries = this.__entries;
            for (let i = 0; i < entries.length; i++)
                yield new host.indexedValue(entries[i], [entries[i].Name]);
        }
        getDimensionality() {
            return 1;
        }
        getValueAt(name) {
            const key = String(name);
            const found = findPattern(this.__catalogue, key);
            if (!found)
                throw new RangeError("no pattern named \"" + key + "\" in the catalogue (dx @$ewmda.Patterns lists them)");
            return this.__entries[this.__catalogue.indexOf(found)];
        }
        toString() {
            const automated = this.__catalogue.filter((e) => e.automated).length;
            return this.__catalogue.length + " patterns, " + automated + " with an automated check";
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
     * @example dx @$ewmda.Patterns
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
        // The catalogue depends only on the registry: built on first use, then the same object every time.
        let patterns;
        Object.defineProperty(proto, "Patterns", {
            get() { return patterns || (patterns = new PatternSet(catalogue(analyses))); }, enumerable: true, configurable: true,
        });
        descriptor.Patterns = { Help: "The memory analysis patterns ewmda serves: definition, dump kinds, classic commands and the analyses that automate each (index by name: Patterns[\"Zombie Processes\"]); !ewmda.patterns prints them as a table" };
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
            const parsed = parseArguments$2(args);
            if (typeof parsed === "string") {
                ctx.summary("RawStack: " + parsed);
                yield info$7(parsed, "heuristic");
                return;
            }
            const { tid, options } = parsed;
            const thread = tid === undefined ? t.currentThread() : t.findThread(tid);
            if (!thread) {
                const known = t.threads().map((x) => "0x" + x.id.toString(16));
                const text = tid === undefined ? "there is no current thread" :
                    "thread 0x" + tid.toString(16) + " is not in this process (" + known.length + " threads: " + known.slice(0, 12).join(", ") + (known.length > 12 ? ", ..." : "") + "; ~ lists them)";
                ctx.summary("RawStack: " + text);
                yield info$7(text, "typed");
                return;
            }
            const tidText = "0x" + thread.id.toString(16);
            const range = t.stackRange(thread, cfg.FallbackScanBytes);
            if (range instanceof Unavailable) {
                ctx.summary("RawStack thread " + tidText + ": no stack range");
                yield info$7("no stack range for thread " + tidText + ": " + range.reason + " (try !teb, .reload /f ntdll.dll)", "typed");
                return;
            }
            const source = range.source === "teb" ? "typed" : "heuristic";
            if (range.note) {
                yield info$7("thread " + tidText + ": " + range.note + "; scanning " + t.formatAddress(range.limit) + " - " + t.formatAddress(range.base) +
                    " from the stack pointer instead (.reload /f ntdll.dll may restore the TEB)", "heuristic");
            }
            const ps = t.pointerSize();
            const total = differenceOf(range.base, range.limit);
            if (total === undefined || total <= 0) {
                yield info$7("thread " + tidText + ": the stack range is empty", source);
                return;
            }
            const sp = t.stackPointer(thread);
            const [spHi, spLo] = sp ? halvesOf(sp) : [0, 0];
            const [limHi, limLo] = halvesOf(range.limit);
            const [baseHi, baseLo] = halvesOf(range.base);
            const modules = t.modules();
            const wanted = options.module !== undefined ? modules.byName(options.module) : undefined;
            if (options.module !== undefined && !wanted) {
                yield info$7("no module named " + options.module + " is loaded (lm lists them); nothing can point into it", "typed");
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
                yield info$7(dropped + " more rows were not kept (Config.RawStack.MaxRows = " + cfg.MaxRows + "); narrow with Module or SymbolsOnly", source);
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
    function info$7(text, source) {
        return { Verdict: "Info", Evidence: text, Source: source };
    }
    /** (tid?, options?) from dx or a `!` command; a string describing the problem when they make no sense. */
    function parseArguments$2(args) {
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
    function runCommand(command) {
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
            var _a;
            const opts = parseOptions(args[0]);
            if (typeof opts === "string") {
                ctx.summary("Triage: " + opts);
                yield { Verdict: "Info", Evidence: opts, Source: "heuristic", Section: "NotChecked" };
                return;
            }
            const maxFindings = (_a = opts.maxFindings) !== null && _a !== void 0 ? _a : ctx.settings.MaxFindings;
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
                    findings.push(Object.assign(Object.assign({}, findingRow(a, { Verdict: "Info", Evidence: dropped + " more findings not shown (MaxFindings " + maxFindings + ")", Source: "heuristic" }, result.pointerSize)), { Section: "Finding" }));
                if (result.partial) {
                    const why = result.rows[result.rows.length - 1];
                    notRun.push(errorRow(a, why ? why.Evidence : "stopped early"));
                }
                else if (kept.length === 0 && dropped === 0) {
                    const negative = result.rows.find((r) => r.Verdict === "Negative");
                    const info = result.rows.find((r) => r.Verdict === "Info");
                    if (negative) {
                        const row = Object.assign(Object.assign({}, findingRow(a, negative, result.pointerSize)), { Section: "Clean" });
                        // What limited the check (missing symbols, data the dump lacks) stays visible beside "nothing found".
                        if (info)
                            row.Finding = String(row.Finding) + " (limited: " + info.Evidence + ")";
                        clean.push(row);
                    }
                    else
                        notRun.push(notChecked(a, info ? info.Evidence : result.summary));
                }
            }
            findings.sort((x, y) => { var _a, _b; return ((_a = RANK[x.Verdict]) !== null && _a !== void 0 ? _a : 9) - ((_b = RANK[y.Verdict]) !== null && _b !== void 0 ? _b : 9); });
            yield* findings;
            yield* clean;
            yield* notRun;
            ctx.summary("Triage: " + positives + " positive and " + suspicious + " suspicious finding(s) from " + chosen.length + " analyses; " +
                clean.length + " clean, " + notRun.length + " not checked or failed");
        },
        rowText(row) {
            var _a;
            return (row.Section === "Event" ? "Event" : String(row.Verdict)) + (row.Analysis ? " [" + String(row.Analysis) + "]" : "") + ": " + String((_a = row.Finding) !== null && _a !== void 0 ? _a : row.Evidence);
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
        const exr = runCommand(".exr -1");
        const last = runCommand(".lastevent");
        const lastEvent = last instanceof Unavailable ? undefined : parseLastEvent(last);
        const parsed = exr instanceof Unavailable ? undefined : parseExr(exr);
        if (parsed && parsed.kind === "record") {
            const code = parsed.code;
            const thread = lastEvent && lastEvent.threadId !== undefined ? " on thread 0x" + lastEvent.threadId.toString(16) : "";
            const chance = lastEvent && lastEvent.firstChance !== undefined ? (lastEvent.firstChance ? " (first chance)" : " (second chance)") : "";
            const where = " at " + parsed.address + (parsed.location ? " (" + parsed.location + ")" : "");
            const verdict = "Positive";
            return Object.assign(Object.assign({}, base), { Verdict: verdict, Finding: "written for an exception: " + exceptionCodeText(code) + where + thread + chance, Evidence: ".exr -1; .ecxr; kn", Source: "command" });
        }
        const why = exr instanceof Unavailable ? exr.reason : parsed && parsed.kind === "none" ? "the dump has no exception record" : "the .exr -1 output was not recognized";
        return Object.assign(Object.assign({}, base), { Verdict: "Info", Finding: "no exception: a manual, hang or on-demand dump (" + why + "); see .dumpdebug for the writer's flags and comment", Evidence: ".lastevent; .dumpdebug", Source: "command" });
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
    function stackCommand(id) {
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
                yield info$6(opts, "heuristic");
                return;
            }
            const sel = selectStacks(t, opts);
            if (sel.missing.length)
                yield info$6(missingThreadText(sel.missing, t), "typed");
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
                    yield info$6(reason + " (" + stackCommand(id) + " shows what the debugger can unwind)", "typed");
                    continue;
                }
                const all = stack.frames;
                if (all.length === 0) {
                    unreadable++;
                    yield info$6("thread " + hexId(id) + " has no frames: the debugger could not unwind it (" + stackCommand(id) + "; RawStack shows the raw stack)", "typed");
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
                yield info$6(dropped + " more frames were not kept (Config.StackTraceCollection.MaxRows = " + maxRows + "); narrow with Threads, Exclude or MaxFrames", "typed");
            if (cut)
                yield info$6("frames below the top " + opts.maxFrames + " were left out on " + cut + " of " + sel.stacks.length + " threads (MaxFrames)", "typed");
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
            Evidence: stackCommand(id) + " frame " + ("0" + f.index.toString(16)).slice(-2) + "; ln " + ipText,
            Source: "typed",
        };
    }
    function selectionText(total, kept, excluded, optText) {
        return total + " threads in the process, " + (kept + excluded) + " selected" + (excluded ? ", " + excluded + " left out by Exclude" : "") +
            (optText ? " (" + optText + ")" : "");
    }
    function info$6(text, source) {
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
        var _a;
        const frames = stack.frames;
        if (!Array.isArray(frames))
            return { category: "unknown", frame: undefined, reason: "the stack could not be read" };
        const list = frames;
        if (list.length === 0)
            return { category: "unknown", frame: undefined, reason: "the thread has no frames" };
        const specific = (_a = firstMatch(list, SPECIFIC_WAITS, depth)) !== null && _a !== void 0 ? _a : firstMatch(list, GENERIC_WAITS, depth);
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
                yield info$5(opts, "heuristic");
                return;
            }
            const sel = selectStacks(t, opts);
            if (sel.missing.length)
                yield info$5(missingThreadText(sel.missing, t), "typed");
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
                    Evidence: stackCommand(ids[0]) + (ids.length > 1 ? " (the same stack on " + (ids.length - 1) + " more threads; !uniqstack)" : " (a stack no other thread has; !uniqstack)"),
                    Source: "typed",
                };
            }
            if (unreadable.length) {
                const first = unreadable[0];
                const why = Array.isArray(first.frames) ? "thread " + hexId(first.thread.id) + " has no frames" : first.frames.reason;
                yield info$5(unreadable.length + " threads have no readable stack: " + unreadable.map((s) => hexId(s.thread.id)).join(", ") +
                    " (first: " + why + "; " + stackCommand(first.thread.id) + ")", "typed");
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
    function info$5(text, source) {
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
            const parsed = parseArguments$1(args);
            if (typeof parsed === "string") {
                ctx.summary("StackTraces: " + parsed);
                yield info$4(parsed, "heuristic");
                return;
            }
            const { clauses, opts } = parsed;
            const sel = selectStacks(t, opts);
            if (sel.missing.length)
                yield info$4(missingThreadText(sel.missing, t), "typed");
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
                    yield info$4(why + "; not tested against " + clauses.text + " (" + stackCommand(id) + ")", "typed");
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
                            yield info$4("the predicate threw on thread " + hexId(id) + ": " + errorMessage(e) + "; the thread is left out", "heuristic");
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
                    Evidence: stackCommand(id) + (hit.frame ? " frame " + frameNumber(hit.frame) + " is " + hit.frame.symbol : " (" + wait.reason + ")"),
                    Source: "typed",
                };
            }
            if (errors > maxErrors) {
                yield info$4("the predicate threw on " + (errors - maxErrors) + " more threads (Config.StackTraces.MaxPredicateErrors = " + maxErrors + ")", "heuristic");
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
    function parseArguments$1(args) {
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
    function info$4(text, source) {
        return { Verdict: "Info", Evidence: text, Source: source };
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
        constructor(target) {
            this.target = target;
            this.bytesCache = {};
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
                if (this.arch === "x86" && isStub(top) && bytes.length >= 8 && endsWithCall(bytes, "x86")) {
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
                yield info$3(flags, "heuristic");
                return;
            }
            if (t.isKernel()) {
                ctx.summary("BlockedThreads: user-mode analysis");
                yield info$3("BlockedThreads reads user-mode threads; this is a kernel target (use !stacks 2 or !process 0 17, or open a user dump of the process)", "heuristic");
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
                        idleRows.push(blockedRow(thread.id, wc, frames, blocking, 1, thread.id === firstId, "Info", "idle reference stack (" + idleWhy + "): " + wc.frame.symbol + " in frame " + wc.frame.index + "; " + stackCommand(thread.id)));
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
                yield info$3(unclassified.length + " thread(s) could not be classified: " + unclassified.slice(0, 6).join("; ") + (unclassified.length > 6 ? "; ..." : "") +
                    " (.reload /f ntdll.dll, then ~*k)", "heuristic");
            }
            if (blocked.length === 0) {
                yield { Verdict: "Negative", Source: "heuristic", Evidence: "0 blocked threads among " + threads.length + " (" + counts + "; ~*k, !uniqstack)" };
            }
            ctx.summary("BlockedThreads: " + blocked.length + " blocked (" + suspicious + " suspicious) among " + threads.length + " threads; " + counts);
        },
        rowText(row) {
            var _a, _b;
            if (row.Category === undefined)
                return row.Verdict + ": " + row.Evidence;
            return hexId(row.Thread) + " " + String(row.Category) + " " + String((_b = (_a = row.BlockingFunction) !== null && _a !== void 0 ? _a : row.WaitFunction) !== null && _b !== void 0 ? _b : "");
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
        const k = stackCommand(id);
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
    function info$3(text, source) {
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
                yield info$2(flags, "heuristic");
                return;
            }
            if (t.isKernel()) {
                ctx.summary("ActiveThreads: user-mode analysis");
                yield info$2("ActiveThreads reads user-mode threads; this is a kernel target (use !running -t -i, or open a user dump of the process)", "heuristic");
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
                    other.push(row(thread.id, "DumpWriter", a, frames, "Info", "dump writer (" + writer.symbol + " in frame " + writer.index + "): left out; " + stackCommand(thread.id)));
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
                        other.push(row(thread.id, "Undetermined", a, frames, "Info", a.reason + "; " + stackCommand(thread.id)));
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
                yield info$2(undetermined.length + " thread(s) could not be classified: frame 0 is in ntdll/win32u without symbols and the code is not in the dump (" +
                    ids.slice(0, 12).join(", ") + (ids.length > 12 ? ", ..." : "") + "; .reload /f ntdll.dll, then ~*k)", "heuristic");
            }
            if (active.length === 0) {
                yield { Verdict: "Negative", Source: byBytes ? "typed" : "heuristic", Evidence: "0 active threads among " + threads.length + " (" + counts + "; ~*k)" };
            }
            ctx.summary("ActiveThreads: " + active.length + " active among " + threads.length + " threads (" + counts + ")");
        },
        rowText(row) {
            var _a;
            if (row.State === undefined)
                return row.Verdict + ": " + row.Evidence;
            return hexId(row.Thread) + " " + String(row.State) + " " + String((_a = row.TopFrame) !== null && _a !== void 0 ? _a : "");
        },
    });
    /** The thread of the last event when it is an exception, from `.lastevent`; undefined otherwise or when unknown. */
    function lastEventThread() {
        const lines = runCommand(".lastevent");
        if (lines instanceof Unavailable)
            return undefined;
        const e = parseLastEvent(lines);
        return e && e.code !== undefined ? e.threadId : undefined;
    }
    function evidenceCommand(id, a, fmt) {
        if (a.checked === "bytes" && a.top)
            return "ub " + fmt(a.top.ip) + " L2; " + stackCommand(id);
        return stackCommand(id);
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
    function info$2(text, source) {
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
                yield info$1(flags, "heuristic");
                return;
            }
            if (t.isKernel()) {
                ctx.summary("SpikingThreads: user-mode analysis");
                yield info$1("SpikingThreads reads user-mode thread times; this is a kernel target (use !running, !thread's UserTime/KernelTime, or a user dump)", "heuristic");
                return;
            }
            const lines = runCommand("!runaway 7");
            const parsed = lines instanceof Unavailable ? { error: lines.reason } : parseRunaway(lines);
            if (isRunawayError(parsed) || parsed.sections.indexOf("user") < 0 || parsed.sections.indexOf("kernel") < 0) {
                const why = isRunawayError(parsed) ? parsed.error : "!runaway 7 printed only the " + parsed.sections.join(" and ") + " section(s)";
                ctx.summary("SpikingThreads: no thread times");
                yield info$1("the dump has no thread times (" + why + "); capture with .dump /ma or procdump -ma (MiniDumpWithThreadInfo), " +
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
                    Evidence: variantText + note + "; !runaway 7 (" + e.times.index + ":" + e.times.tid.toString(16) + "), " + stackCommand(e.times.tid),
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
    function info$1(text, source) {
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
    function parseThreadList(lines) {
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
                yield info(flags, "heuristic");
                return;
            }
            if (t.isKernel()) {
                ctx.summary("SuspendedThreads: user-mode analysis");
                yield info("SuspendedThreads reads user-mode suspend counts; this is a kernel target (use !thread's SuspendCount/FreezeCount, or !process 0 7 for WAIT: (Suspended))", "heuristic");
                return;
            }
            const out = runCommand("~");
            const listing = out instanceof Unavailable ? undefined : parseThreadList(out);
            if (!listing || listing.threads.length === 0) {
                const why = out instanceof Unavailable ? out.reason : out.length === 0 ? "~ printed nothing" :
                    "~ printed no thread lines (it starts \"" + clip(listing.unparsed[0] || "") + "\")";
                ctx.summary("SuspendedThreads: no suspend counts");
                yield info("no suspend counts: " + why + "; run ~ to see them (Suspend: N), !teb for each thread's TEB", "command");
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
                yield info("every thread in ~ is a dump-writer thread (" + writerLines.map((l) => hexId(l.tid)).join(", ") + "): nothing to compare", "command");
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
                        (line.frozen ? ", and Frozen" : "") + "; " + stackCommand(line.tid));
                }
                else if (line.frozen) {
                    found++;
                    yield threadRow(line, baseline, processWide, "frozen by the debugger (~" + line.index + "f); ~" + line.index + "u thaws it", top, "Info", "~" + line.index + " shows Frozen; " + stackCommand(line.tid));
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
    function info(text, source) {
        return { Verdict: "Info", Evidence: text, Source: source };
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
        constructor(t, types, thread, opts) {
            this.t = t;
            this.types = types;
            this.thread = thread;
            this.opts = opts;
            this.contexts = {};
            this.records = {};
            this.attempts = 0;
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
    function slot(words, i, per) {
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
            const [h0, l0] = slot(words, i, per);
            const [h1, l1] = slot(words, i + 1, per);
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
                const [h, l] = slot(words, j, per);
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
        return values.map((v) => hex(v));
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
            const primaryText = exr && exr.kind === "record" ? "primary " + hex(exr.code) + (primaryThread !== undefined ? " on thread 0x" + primaryThread.toString(16) : "") : exr && exr.kind === "none" ? "no primary exception" : "primary exception unknown";
            ctx.summary("ExceptionStackTraces: " + primaryText + ", " + hidden + " hidden recovered, " + unrecovered + " dispatching thread(s) without a record; " + examined + " examined");
        },
        rowText(row) {
            if (row.Kind === undefined)
                return row.Verdict + ": " + row.Evidence;
            if (row.Kind === "Dispatching")
                return "Dispatching thread 0x" + Number(row.Thread).toString(16) + ": " + String(row.Anchor) + " (no record recovered)";
            const tid = typeof row.Thread === "number" ? "thread 0x" + row.Thread.toString(16) : "thread ?";
            const code = typeof row.Code === "number" ? " " + hex(row.Code) : "";
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
    function frameText(list, max) {
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
            Frames: frames ? frameText(frames, cfg.MaxFrames) : notAvailable("no frames for thread " + tidText + (isCurrent ? "" : " (.ecxr; kn shows them)")),
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
            Frames: frameText(f.list.map((x) => x.symbol), cfg.MaxFrames),
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
        constructor(t) {
            this.t = t;
            this.cache = {};
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
            const parsed = parseArguments(args);
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
    function parseArguments(args) {
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
            const result = runAnalysis(a, target, this.config, args, { analyses: this.analyses });
            return new ResultSet(result, this.rowClassOf(a), () => toJsonText(result, describeTarget(target)));
        }
        /** `!` face: the same result as a table, printed. */
        command(a, args) {
            this.ensureUserVariable();
            const result = runAnalysis(a, new Target(), this.config, args, { analyses: this.analyses });
            const lines = renderTable(result);
            // debugLog is the only console channel a script has (reference §4.3).
            host.diagnostics.debugLog(lines.join("\n") + "\n");
        }
        /**
         * `!ewmda.patterns`: the catalogue as a table. The analysis names are plain text: WinDbg renders
         * `<link cmd="...">` only in output marked as DML, and debugLog has no DML mode (reference §4.3).
         */
        patternsCommand() {
            this.ensureUserVariable();
            const lines = renderCatalogue(catalogue(this.analyses));
            lines.push("Details of one pattern: dx @$ewmda.Patterns[\"<pattern>\"]; run an analysis: dx @$ewmda.<Analysis>() or !ewmda.<command>");
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
        const showPatterns = () => rt.patternsCommand();
        records.push(new h.optionalRecord(new h.functionAlias(showPatterns, PATTERNS_ALIASES.dotted)));
        records.push(new h.optionalRecord(new h.functionAlias(showPatterns, PATTERNS_ALIASES.plain)));
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
