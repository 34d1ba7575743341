/**
 * Departments, as every source finds or creates them: matched by name (ignoring case and surrounding spaces), created
 * when missing. Which departments a source wants, and with which codes, is the source's own rule.
 */
import { forEachConcurrently } from './concurrency.ts';
import { attempt, CREATE_DEPARTMENT, DEPARTMENTS, type DepartmentRecord } from './graph.ts';
import type { GraphSession } from './graph-session.ts';
import { KindTally, type ImportProgress, type KindSummary } from './import-summary.ts';

/** The importers' own code for a doctor whose department could not be created (the doctor is not sent). */
export const NO_DEPARTMENT = 'NO_DEPARTMENT';

/** A department to find or create: FHIR `Organization` of type `dept`. */
export interface DepartmentSpec {
  name: string;
  /** Unique, 2–10 upper-case letters or digits. */
  code: string;
  description: string;
}

/** How departments are matched by name: case and surrounding spaces do not count. */
export const nameKey = (name: string): string => name.trim().toLowerCase();

/** Every department of the graph, by `nameKey` of its name. @throws GraphRequestError (or a network error). */
export async function readDepartments(session: GraphSession): Promise<Map<string, DepartmentRecord>> {
  const data = await session.data<{ departments: DepartmentRecord[] }>(DEPARTMENTS, {});
  return new Map(data.departments.map((department) => [nameKey(department.name), department]));
}

/**
 * Finds each wanted department in `existing` by name or creates it, at most `concurrency` at a time. A `CONFLICT` on
 * create is checked by reading the departments again: one of this name (a concurrent import made it) is skipped and
 * used; without one the code is taken by a department of another name, and the department fails as `CONFLICT`.
 *
 * @param wanted departments by the source's key (a Synthea code, a no-show Neighbourhood), in the order to handle.
 * @returns department ids by key; for those that could not be created, `<name> (<code>) could not be created: why`.
 */
export async function importDepartments<K>(
  session: GraphSession,
  wanted: readonly { key: K; spec: DepartmentSpec }[],
  options: {
    existing: ReadonlyMap<string, DepartmentRecord>;
    concurrency: number;
    progress: ((progress: ImportProgress) => void) | undefined;
  },
): Promise<{ summary: KindSummary; departmentIds: Map<K, string>; failures: Map<K, string> }> {
  const departmentIds = new Map<K, string>();
  const failures = new Map<K, string>();
  const tally = new KindTally('departments', wanted.length, options.progress);
  await forEachConcurrently(wanted, options.concurrency, async ({ key, spec }) => {
    const found = options.existing.get(nameKey(spec.name));
    if (found) {
      departmentIds.set(key, found.id);
      return tally.skipped();
    }
    const outcome = await attempt(
      () => session.data<{ createDepartment: DepartmentRecord }>(CREATE_DEPARTMENT, { input: spec }),
      {
        find: async () => (await readDepartments(session)).get(nameKey(spec.name)),
        missing: `no department is named ${spec.name}, so code ${spec.code} is taken by one with another name`,
      },
    );
    if (outcome.kind === 'created') {
      departmentIds.set(key, outcome.value.createDepartment.id);
      return tally.created();
    }
    if (outcome.kind === 'skipped') {
      departmentIds.set(key, outcome.found.id);
      return tally.skipped();
    }
    failures.set(key, `${spec.name} (${spec.code}) could not be created: ${outcome.reason}`);
    tally.failed({ row: 0, id: spec.code, code: outcome.code, reason: `${spec.name}: ${outcome.reason}` });
  });
  return { summary: tally.summary(), departmentIds, failures };
}
