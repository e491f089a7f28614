/**
 * The dx face of the object manager namespace: `dx @$ewmda.Objects["\\Driver"]` looks a path up with
 * SystemObjects (symbolic links followed on the way) and shows that directory's objects, or the object.
 */

/**
 * The kernel's object manager namespace as a navigable dx object: indexable by an object path, iterable
 * over the root directory's entries. Each index is `SystemObjects(path)`: the rows of that directory (Path,
 * Type, Address, State, Owner, Target, Handles ...), or the one object at the path; each row's Path is the
 * index of the next step down. Nothing is read until it is indexed or iterated.
 *
 * On a user-mode target each index answers with SystemObjects' Info row (needs a kernel or complete dump).
 *
 * @member {ObjectNamespace} Objects
 * @memberof Ewmda
 * @example dx @$ewmda.Objects
 * @example dx @$ewmda.Objects["\\Driver"]
 * @example dx -g @$ewmda.Objects["\\BaseNamedObjects"].Where(o => o.Type == "Mutant")
 */
export class ObjectNamespace {
  private readonly __lookup: (path: string) => unknown;

  /** `lookup` runs SystemObjects for one path and returns its result set. */
  constructor(lookup: (path: string) => unknown) {
    this.__lookup = lookup;
  }

  *[Symbol.iterator](): Iterator<unknown> {
    yield* this.__lookup("\\") as Iterable<unknown>;
  }

  getDimensionality(): number {
    return 1;
  }

  getValueAt(path: unknown): unknown {
    const p = String(path).trim();
    if (p.charAt(0) !== "\\") throw new RangeError("index Objects by an object path such as \"\\\\Driver\" or \"\\\\BaseNamedObjects\\\\Name\", not \"" + p + "\"");
    return this.__lookup(p);
  }

  toString(): string {
    return "Object manager namespace: index by path (Objects[\"\\\\Driver\"]); kernel or complete dumps";
  }
}
