/**
 * The no-show importer's departments: one per health unit (Neighbourhood), found by name or created with a code
 * that no other department holds.
 */
import { forEachConcurrently } from './concurrency.ts';
import type { GraphSession } from './graph-session.ts';
import { KindTally, type ImportProgress, type KindSummary } from './import-summary.ts';
import { attempt, CREATE_DEPARTMENT, DEPARTMENTS, type DepartmentRecord } from './noshow.graph.ts';
import { departmentCodes, type NoShowDepartment } from './noshow.schedule.ts';

const nameKey = (name: string): string => name.trim().toLowerCase();

/**
 * Finds the departments by name (case-insensitive) and creates the missing ones. A planned code that another
 * department already has is replaced by the next free one (`departmentCodes`); a `CONFLICT` on create is resolved by
 * reading the departments again (a concurrent import made it).
 *
 * @returns department ids by Neighbourhood.
 */
export async function importDepartments(
  session: GraphSession,
  planned: readonly NoShowDepartment[],
  options: { concurrency: number; progress: ((progress: ImportProgress) => void) | undefined },
): Promise<{ summary: KindSummary; departmentIds: Map<string, string> }> {
  const read = async () => {
    const data = await session.data<{ departments: DepartmentRecord[] }>(DEPARTMENTS, {});
    return new Map(data.departments.map((department) => [nameKey(department.name), department]));
  };
  const existing = await read();
  const departmentIds = new Map<string, string>();
  const tally = new KindTally('departments', planned.length, options.progress);
  const missing = planned.filter((department) => !existing.has(nameKey(department.name)));
  const takenCodes = new Set([...existing.values()].map((department) => department.code));
  const clashing = missing.filter((department) => takenCodes.has(department.code));
  const keptCodes = missing.filter((department) => !takenCodes.has(department.code)).map((d) => d.code);
  const recoded = departmentCodes(
    clashing.map((department) => department.neighbourhood),
    [...takenCodes, ...keptCodes],
  );

  await forEachConcurrently(planned, options.concurrency, async (department) => {
    const found = existing.get(nameKey(department.name));
    if (found) {
      departmentIds.set(department.neighbourhood, found.id);
      return tally.skipped();
    }
    const { neighbourhood, name, description } = department;
    const code = recoded.get(neighbourhood) ?? department.code;
    const outcome = await attempt(() =>
      session.data<{ createDepartment: DepartmentRecord }>(CREATE_DEPARTMENT, { input: { name, code, description } }),
    );
    if (outcome.kind === 'created') {
      departmentIds.set(neighbourhood, outcome.value.createDepartment.id);
      return tally.created();
    }
    if (outcome.kind === 'skipped') {
      const raced = await read().then(
        (departments) => departments.get(nameKey(name)),
        () => undefined,
      );
      if (raced) {
        departmentIds.set(neighbourhood, raced.id);
        return tally.skipped();
      }
    }
    const reason = outcome.kind === 'failed' ? outcome.reason : `CONFLICT: code ${code} is taken`;
    tally.failed({
      row: 0,
      id: code,
      code: outcome.kind === 'failed' ? outcome.code : 'CONFLICT',
      reason: `${name}: ${reason}`,
    });
  });
  return { summary: tally.summary(), departmentIds };
}
