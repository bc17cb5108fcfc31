// Pulumi property values as the mock monitor sees them, shared by the mocks suites and the e2e harness.
import * as pulumi from "@pulumi/pulumi";

/** The SDK's signature of a secret wrapper ({ [specialSigKey]: SECRET_SIG, value }). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Inputs as the program set them: secret wrappers removed. */
export function unwrapSecrets(v: any): any {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    if (v[pulumi.runtime.specialSigKey] === SECRET_SIG) return unwrapSecrets(v.value);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}
