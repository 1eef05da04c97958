// Type-level comparison of a JSON shape (what TypeScript infers for a JSON module) with a declared type.
// types.test.ts uses it on fixtures.json, which the Go response structs wrote: tsc (npm run build) fails
// with the path of every member where the two part.

type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T;

/** The keys whose value is present: TypeScript adds `k?: undefined` to unify objects of one array. */
type PresentKeys<J> = { [K in keyof J]-?: [J[K]] extends [undefined] ? never : K }[keyof J];

/** The keys a type requires. */
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

type Join<P extends string, K> = `${P}.${K & string}`;

type ObjectMismatch<J, T, P extends string> =
  | { [K in Exclude<PresentKeys<J>, keyof T>]: `${Join<P, K>}: sent by the API, missing from the type` }[Exclude<PresentKeys<J>, keyof T>]
  | { [K in Exclude<RequiredKeys<T>, keyof J>]: `${Join<P, K>}: required by the type, not sent by the API` }[Exclude<RequiredKeys<T>, keyof J>]
  | { [K in keyof J & keyof T]: Mismatch<J[K], T[K], Join<P, K>> }[keyof J & keyof T];

/** Whether J fits at least one member of a union T. */
type FitsSome<J, T, P extends string> = true extends (T extends unknown ? ([Mismatch<J, T, P>] extends [never] ? true : false) : never)
  ? never
  : `${P}: fits none of the type's forms`;

/**
 * Mismatch is never when the JSON shape J agrees with the type T, else a union of messages naming the
 * members that differ. Strings, numbers and booleans are compared by kind (a JSON "x" fits a union of
 * string literals); unknown accepts anything.
 */
export type Mismatch<J, T, P extends string = '$'> = unknown extends T
  ? never
  : [J] extends [undefined]
    ? never
    : J extends null
      ? null extends T
        ? never
        : `${P}: null, which the type does not allow`
      : J extends readonly (infer JE)[]
        ? [Extract<T, readonly unknown[]>] extends [never]
          ? `${P}: an array, which the type is not`
          : Mismatch<JE, Extract<T, readonly unknown[]>[number], `${P}[]`>
        : J extends object
          ? [Extract<NonNullable<T>, object>] extends [never]
            ? `${P}: an object, which the type is not`
            : [Extract<NonNullable<T>, object>] extends [infer O]
              ? IsUnion<O> extends true
                ? FitsSome<J, O, P>
                : ObjectMismatch<J, O, P>
              : never
          : Widen<J> extends Widen<NonNullable<T>>
            ? never
            : `${P}: a ${KindOf<J>}, which the type does not allow`;

type KindOf<J> = J extends string ? 'string' : J extends number ? 'number' : J extends boolean ? 'boolean' : 'value';

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/** Agrees is true when J fits T, else the messages of Mismatch. */
export type Agrees<J, T> = [Mismatch<J, T>] extends [never] ? true : Mismatch<J, T>;

/** agrees passes true through when J fits T; when it does not, tsc shows why at the call. */
export function agrees<J, T>(ok: Agrees<J, T>): Agrees<J, T> {
  return ok;
}
