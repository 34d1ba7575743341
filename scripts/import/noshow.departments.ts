/**
 * The no-show importer's departments: one per health unit (Neighbourhood), found by name or created with a code
 * that no other department holds.
 */
import { importDepartments, nameKey, readDepartments } from './departments.ts';
import type { GraphSession } from './graph-session.ts';
import type { ImportProgress, KindSummary } from './import-summary.ts';
import { departmentCodes, type NoShowDepartment } from './noshow.schedule.ts';

/**
 * Finds the departments by name (`importDepartments`) and creates the missing ones. A planned code that another
 * department already holds is replaced by the next free one (`departmentCodes`): the codes are the importer's own
 * abbreviations, and only the name says which unit a department is. (Synthea's codes are a fixed table that other
 * tools may rely on, so the Synthea importer fails a department whose code is taken instead.)
 *
 * @returns department ids by Neighbourhood, and why those that could not be created failed.
 */
export async function importNoShowDepartments(
  session: GraphSession,
  planned: readonly NoShowDepartment[],
  options: { concurrency: number; progress: ((progress: ImportProgress) => void) | undefined },
): Promise<{ summary: KindSummary; departmentIds: Map<string, string>; failures: Map<string, string> }> {
  const existing = await readDepartments(session);
  const missing = planned.filter((department) => !existing.has(nameKey(department.name)));
  const takenCodes = new Set([...existing.values()].map((department) => department.code));
  const clashing = missing.filter((department) => takenCodes.has(department.code));
  const keptCodes = missing.filter((department) => !takenCodes.has(department.code)).map((d) => d.code);
  const recoded = departmentCodes(
    clashing.map((department) => department.neighbourhood),
    [...takenCodes, ...keptCodes],
  );
  const wanted = planned.map(({ neighbourhood, name, code, description }) => ({
    key: neighbourhood,
    spec: { name, code: recoded.get(neighbourhood) ?? code, description },
  }));
  return importDepartments(session, wanted, { existing, ...options });
}
