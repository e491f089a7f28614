/**
 * C++ qualified names as debuggers print them (`module!ns::Class<T>::method`): the namespace or class path of a
 * function, with template arguments, lambdas and anonymous namespaces taken out, so that `std::_Func_impl<...>`
 * and `std::_Func_impl<...>` of two instantiations count as one `std::_Func_impl`.
 */

/** Splits at `::` outside `<>`, `()` and `[]`; `operator<`, `operator<<`, `operator->` and friends end the name. */
export function splitQualified(name: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (depth === 0 && name.startsWith("operator", i) && (i === start)) {
      // The rest is the operator's name, whatever characters it has.
      parts.push(name.slice(start));
      return parts;
    }
    if (c === "<" || c === "(" || c === "[") depth++;
    else if ((c === ">" || c === ")" || c === "]") && depth > 0) depth--;
    else if (c === "`" && name.startsWith("`anonymous namespace'", i)) { i += "`anonymous namespace'".length - 1; }
    else if (c === ":" && depth === 0 && name[i + 1] === ":") {
      parts.push(name.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  parts.push(name.slice(start));
  return parts;
}

/** A component without its template arguments: `_Func_impl<Foo,Bar>` → `_Func_impl`. */
export function stripTemplates(part: string): string {
  const lt = part.indexOf("<");
  return (lt > 0 ? part.slice(0, lt) : part).trim();
}

/** Anonymous namespaces and lambda closures: they name nothing an analyst can look up. */
function anonymous(part: string): boolean {
  const p = part.trim();
  return p === "" || p === "`anonymous namespace'" || p === "{anonymous}" || p === "(anonymous namespace)" || p.indexOf("<lambda_") === 0 ||
    p.indexOf("`") === 0 || p.indexOf("<") === 0;
}

/**
 * The namespace / class path of a function symbol (`module!` and `+0x..` are dropped): `ntdll!RtlUserThreadStart`
 * → [], `app!mozilla::net::Http2Session::ReadSegments+0x1f` → [mozilla, net, Http2Session].
 */
export function namespacePath(symbol: string): string[] {
  const bang = symbol.indexOf("!");
  let fn = bang >= 0 ? symbol.slice(bang + 1) : symbol;
  const plus = fn.lastIndexOf("+0x");
  if (plus > 0) fn = fn.slice(0, plus);
  const parts = splitQualified(fn);
  parts.pop(); // the function itself
  const out: string[] = [];
  for (const p of parts) {
    if (anonymous(p)) continue;
    const s = stripTemplates(p);
    if (s !== "") out.push(s);
  }
  return out;
}
