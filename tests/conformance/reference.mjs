// The reference side of the conformance test: decides each case with the independent
// simulator @cloud-copilot/iam-simulate (pinned in package-lock.json; AGPL-3.0, a test tool
// only, never linked into or shipped with the auditor).
//
// Input: a file of JSON lines, one case each (the `auditor policy simulate` format; a null
// principal is an anonymous request).
// Output: one JSON line per case, in order:
//   {"id", "decision", "context"}  - the decision, and the context the simulator actually
//                                    used (keys it ignores for the action dropped, values
//                                    coerced to the key's type), which the test hands to the
//                                    auditor so both decide the same request;
//   {"id", "error"}                - the simulator refused the case.
import { readFileSync } from 'node:fs';
import {
  anonymousPrincipal,
  runSimulation,
  typeForContextKey,
  isConditionKeyArray,
} from '@cloud-copilot/iam-simulate';

const file = process.argv[2];
if (!file) {
  console.error('usage: node reference.mjs CASES.jsonl');
  process.exit(2);
}
const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
const out = [];
for (const line of lines) {
  const c = JSON.parse(line);
  const accountOf = (arn) => arn.split(':')[4] || '';
  const context = c.context || {};
  const anonymous = c.principal === null || c.principal === undefined;
  const simulation = {
    request: {
      principal: anonymous ? anonymousPrincipal : c.principal,
      action: c.action,
      resource: {
        resource: c.resource,
        accountId: c.resourceAccount ?? (anonymous ? '' : accountOf(c.principal)),
      },
      contextVariables: context,
    },
    identityPolicies: (c.identity || []).map((policy, i) => ({ name: `identity[${i}]`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: c.resourcePolicy ?? undefined,
    permissionBoundaryPolicies: c.boundary ? [{ name: 'boundary', policy: c.boundary }] : undefined,
  };
  let result;
  try {
    result = await runSimulation(simulation, {});
  } catch (e) {
    out.push(JSON.stringify({ id: c.id, error: `threw: ${e.message}` }));
    continue;
  }
  if (result.resultType === 'error') {
    out.push(JSON.stringify({ id: c.id, error: JSON.stringify(result.errors) }));
    continue;
  }
  const ignored = new Set((result.result?.ignoredContextKeys ?? []).map((k) => k.toLowerCase()));
  const used = {};
  for (const [key, value] of Object.entries(context)) {
    if (ignored.has(key.toLowerCase())) continue;
    const type = await typeForContextKey(key.toLowerCase());
    if (isConditionKeyArray(type)) used[key] = [value].flat();
    else if (Array.isArray(value)) { if (value.length > 0) used[key] = value[0]; }
    else used[key] = value;
  }
  out.push(JSON.stringify({ id: c.id, decision: result.overallResult, context: used }));
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
