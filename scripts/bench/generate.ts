/**
 * Generates a large hospital history straight into the subgraphs' PostgreSQL schemas, for the growth scenario of
 * `npm run bench` (and runnable alone, below): patients (with an MRN from the MRN sequence, Luhn check digit
 * included), each with `appointmentsPerPatient` COMPLETED appointments in the past with one doctor, and what the other
 * subgraphs would have learnt of them from events: the appointments subgraph's, billing's and prescriptions' copies of
 * the patient (`patient_replica`), notifications' directory entry (`patient_contact`), and the care relationship
 * (patients and prescriptions). Doctors are those the appointments subgraph already knows (`doctor_replica`), each
 * appointment in its doctor's department at the doctor's fee.
 *
 * Every constraint of the migrated schema holds, and is checked by PostgreSQL: patient `p` (0-based) sees doctor
 * `p mod D`, and its `r`-th appointment takes that doctor's slot number `⌊p / D⌋ + r·⌈maxPatients / D⌉`, slots
 * following one another through the clinic day (`HMS_CLINIC_HOURS`, `HMS_SLOT_MINUTES`) and then the next day, the
 * last one ending at least two days before now: no doctor and no patient ever has two overlapping appointments, and
 * a later run for patients `[from, to)` with the same `maxPatients` continues the same layout.
 *
 * How it is fast: `insert … select generate_series` in chunks of at most `CHUNK_ROWS` rows on 3 connections at once
 * (every table and chunk in one queue); for a table that receives at least `REBUILD_THRESHOLD_ROWS` rows, its secondary
 * indexes and unique and exclusion constraints are dropped first and rebuilt afterwards from the definitions read
 * from the catalogue (so the schema is exactly the migrated one, whatever migrations added: it is compared before and
 * after, and a difference is an error), 2 at a time with a larger `maintenance_work_mem` for the session only. Then
 * the MRN sequence is moved past the values used, and every table touched is vacuumed and analysed. Nothing is
 * UNLOGGED: every row is WAL-logged like any other.
 *
 * Ids are UUIDv7 (as the application's, `platform/db/base.entity.ts`) with the timestamp of the row's creation, so
 * generated patients come first in registration order. Not generated: events (outbox, Kafka, audit), bills,
 * payments, and the other subgraphs' copies of the appointments (billing, prescriptions, notifications), which
 * only matter for what happens to an appointment next: these are finished ones.
 *
 * Alone: `node scripts/bench/generate.ts <database url> <patients> [appointments per patient]` on a database the
 * graph has migrated and whose appointments subgraph knows at least one doctor.
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { isValidMrn } from '../../subgraphs/patients/patient.rules.ts';

/** Rows per `insert … select` statement. */
export const CHUNK_ROWS = 250_000;
/** A table receiving at least this many rows has its secondary indexes rebuilt after the load instead of updated. */
export const REBUILD_THRESHOLD_ROWS = 100_000;
const LOAD_CONNECTIONS = 3;
const INDEX_CONNECTIONS = 2;

export interface GenerateOptions {
  /** The generated patients to add: indexes `[from, to)`. */
  from: number;
  to: number;
  /** The largest `to` this database will be generated to (fixes the slot layout). */
  maxPatients: number;
  appointmentsPerPatient: number;
  /** Clinic day and slot length: minutes after midnight UTC (the bench runs the graph with `HMS_TIMEZONE=UTC`). */
  clinic: { opensAt: number; closesAt: number; slotMinutes: number };
  now?: Date;
  log?: (message: string) => void;
}

export interface GenerateResult {
  patients: number;
  appointments: number;
  doctors: number;
  /** Seconds spent loading rows, rebuilding indexes and constraints, and vacuuming and analysing. */
  loadSeconds: number;
  indexSeconds: number;
  analyseSeconds: number;
  totalSeconds: number;
  /** Indexes and constraints dropped and rebuilt. */
  rebuilt: string[];
}

/** Half-open index ranges of at most `size` covering `[from, to)`. */
export function chunkRanges(from: number, to: number, size: number): [number, number][] {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from) {
    throw new RangeError(`bad range [${from}, ${to})`);
  }
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`bad chunk size ${size}`);
  const ranges: [number, number][] = [];
  for (let start = from; start < to; start += size) ranges.push([start, Math.min(to, start + size)]);
  return ranges;
}

/**
 * The slot layout of the module docstring: how many slots a clinic day holds, the stride between one patient's
 * appointments, and the first day (UTC midnight of a day whose last slot still ends two days before `now`).
 */
export function slotLayout(options: {
  maxPatients: number;
  doctors: number;
  appointmentsPerPatient: number;
  clinic: { opensAt: number; closesAt: number; slotMinutes: number };
  now: Date;
}): { slotsPerDay: number; stride: number; days: number; firstDay: Date } {
  const { clinic, doctors } = options;
  if (doctors < 1) throw new Error('no doctors to generate appointments with');
  const slotsPerDay = Math.floor((clinic.closesAt - clinic.opensAt) / clinic.slotMinutes);
  if (slotsPerDay < 1) throw new Error('the clinic day holds no slot');
  const stride = Math.ceil(options.maxPatients / doctors);
  const days = Math.ceil((stride * options.appointmentsPerPatient) / slotsPerDay);
  const firstDay = new Date(options.now);
  firstDay.setUTCHours(0, 0, 0, 0);
  firstDay.setUTCDate(firstDay.getUTCDate() - days - 3);
  return { slotsPerDay, stride, days, firstDay };
}

/** Doctor, slot and start (UTC) of patient `p`'s `r`-th appointment: the layout above, for tests and checks. */
export function generatedSlot(
  p: number,
  r: number,
  layout: { slotsPerDay: number; stride: number; firstDay: Date },
  doctors: number,
  clinic: { opensAt: number; slotMinutes: number },
): { doctor: number; slot: number; startsAt: Date } {
  const slot = Math.floor(p / doctors) + r * layout.stride;
  const day = Math.floor(slot / layout.slotsPerDay);
  const minute = clinic.opensAt + (slot % layout.slotsPerDay) * clinic.slotMinutes;
  const startsAt = new Date(layout.firstDay.getTime() + day * 86_400_000 + minute * 60_000);
  return { doctor: p % doctors, slot, startsAt };
}

/** SQL for a UUIDv7 whose timestamp is the `timestamptz` expression `at`, its other bits from `hash` (32 hex digits). */
export function uuidV7Sql(at: string, hash: string): string {
  return (
    `(lpad(to_hex((extract(epoch from ${at}) * 1000)::bigint), 12, '0') || '7' || substr(${hash}, 1, 3) || ` +
    `'8' || substr(${hash}, 4, 15))::uuid`
  );
}

/**
 * SQL for the MRN whose first seven digits are the text expression `body` (as `mrnFromSequence`: the Luhn check digit
 * follows), unrolled over the seven digits.
 */
export function mrnSql(body: string): string {
  const terms = Array.from({ length: 7 }, (_, k) => {
    const digit = `substr(${body}, ${7 - k}, 1)::int`;
    // From the right, 0-based: even positions are doubled (the check digit will stand right of them).
    return k % 2 === 0 ? `(${digit} * 2 / 10 + ${digit} * 2 % 10)` : digit;
  });
  return `${body} || ((10 - (${terms.join(' + ')}) % 10) % 10)::text`;
}

const GIVEN_NAMES = [
  'Amelia',
  'Ana',
  'Ben',
  'Carlos',
  'Chloe',
  'David',
  'Elena',
  'Fatima',
  'George',
  'Hana',
  'Ivan',
  'Jin',
  'Karim',
  'Lena',
  'Maria',
  'Noah',
  'Olga',
  'Priya',
  'Rosa',
  'Sam',
];
const FAMILY_NAMES = [
  'Adams',
  'Bauer',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Hansen',
  'Ito',
  'Jensen',
  'Kim',
  'Lopez',
  'Moreau',
  'Novak',
  'Okafor',
  'Patel',
  'Quinn',
  'Rossi',
  'Silva',
  'Tanaka',
];
const sqlArray = (values: string[]) => `array[${values.map((value) => `'${value}'`).join(', ')}]`;

/** What the statements of one run need, as SQL literals are made of them (numbers and ISO instants only). */
interface LoadParameters {
  /** MRN sequence values taken before the run: patient i gets value `taken + i + 1`. */
  taken: number;
  /** When generated patient 0 was registered; patient i one millisecond per index later. */
  base: Date;
  stride: number;
  firstDay: Date;
  slotsPerDay: number;
  opensAt: number;
  slotMinutes: number;
  appointmentsPerPatient: number;
}

/** The tables the generator writes, each with its statement for the patient indexes of `[from, to)`. */
export function tableLoads(parameters: LoadParameters): {
  table: string;
  rowsPerPatient: number;
  sql: (from: number, to: number) => string;
}[] {
  const { appointmentsPerPatient: perPatient } = parameters;
  for (const value of [
    parameters.taken,
    parameters.stride,
    parameters.slotsPerDay,
    parameters.opensAt,
    parameters.slotMinutes,
    perPatient,
  ]) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a count: ${value}`);
  }
  const instant = (date: Date) => `'${date.toISOString()}'::timestamptz`;
  // Computed once per patient in an inner query (`offset 0` keeps the planner from copying the expressions into
  // every column that uses them).
  const patientColumns = `i, ${instant(parameters.base)} + i * interval '1 millisecond' as created, md5('hms-bench-patient-' || i) as hash`;
  const patientId = uuidV7Sql('p.created', 'p.hash');
  const patients = (from: number, to: number, more = '') =>
    `(select ${patientColumns}${more} from generate_series(${from}, ${to - 1}) as i offset 0) as p`;
  const given = `(${sqlArray(GIVEN_NAMES)})[1 + p.i % ${GIVEN_NAMES.length}]`;
  const family = `(${sqlArray(FAMILY_NAMES)})[1 + (p.i / ${GIVEN_NAMES.length}) % ${FAMILY_NAMES.length}]`;
  const email = `'patient' || p.i || '@example.org'`;
  const slot = `((p.i / d.count) + r * ${parameters.stride})`;
  const startsAt =
    `${instant(parameters.firstDay)} + (${slot} / ${parameters.slotsPerDay}) * interval '1 day' + ` +
    `(${parameters.opensAt} + (${slot} % ${parameters.slotsPerDay}) * ${parameters.slotMinutes}) * interval '1 minute'`;
  // The active doctors in a fixed order, numbered 0…D-1; patient i sees doctor i mod D.
  const doctorOf =
    `join (select doctor_id, department_id, consultation_fee_amount, fee_currency, ` +
    `(row_number() over (order by doctor_id) - 1)::int as n, count(*) over ()::int as count ` +
    `from appointments.doctor_replica where active) as d on d.n = p.i % d.count`;
  const visits = (from: number, to: number, rounds: string) =>
    `(select p.*, r, d.doctor_id, d.department_id, d.consultation_fee_amount, d.fee_currency, ${startsAt} as starts ` +
    `from ${patients(from, to)} cross join ${rounds} as r(r) ${doctorOf} offset 0) as a`;
  return [
    {
      table: 'patients.patient',
      rowsPerPatient: 1,
      sql: (from, to) =>
        `insert into patients.patient (id, created_at, updated_at, mrn, given_name, family_name, birth_date, sex, email) ` +
        `select ${patientId}, p.created, p.created, ${mrnSql('p.body')}, ${given}, ${family}, ` +
        `date '1940-01-01' + (p.i::bigint * 7919 % 29000)::int, (array['FEMALE', 'MALE', 'OTHER', 'UNKNOWN'])[1 + p.i % 4], ` +
        `${email} from ${patients(from, to, `, lpad((${parameters.taken} + i + 1)::text, 7, '0') as body`)}`,
    },
    {
      table: 'appointments.appointment',
      rowsPerPatient: perPatient,
      sql: (from, to) =>
        `insert into appointments.appointment (id, created_at, updated_at, patient_id, doctor_id, department_id, starts_at, ` +
        `ends_at, status, consultation_fee_amount, fee_currency, imported) ` +
        `select ${uuidV7Sql('a.starts', `md5('hms-bench-appointment-' || a.i || '-' || a.r)`)}, a.starts, a.starts, ` +
        `${uuidV7Sql('a.created', 'a.hash')}, a.doctor_id, a.department_id, a.starts, ` +
        `a.starts + ${parameters.slotMinutes} * interval '1 minute', 'COMPLETED', a.consultation_fee_amount, a.fee_currency, true ` +
        `from ${visits(from, to, `generate_series(0, ${perPatient - 1})`)}`,
    },
    ...['appointments', 'billing', 'prescriptions'].map((schema) => ({
      table: `${schema}.patient_replica`,
      rowsPerPatient: 1,
      sql: (from: number, to: number) =>
        `insert into ${schema}.patient_replica (patient_id, active, as_of) ` +
        `select ${patientId}, true, p.created from ${patients(from, to)}`,
    })),
    {
      table: 'notifications.patient_contact',
      rowsPerPatient: 1,
      sql: (from, to) =>
        `insert into notifications.patient_contact (patient_id, given_name, family_name, email, active, as_of) ` +
        `select ${patientId}, ${given}, ${family}, ${email}, true, p.created from ${patients(from, to)}`,
    },
    ...['patients', 'prescriptions'].map((schema) => ({
      table: `${schema}.care_relationship`,
      rowsPerPatient: 1,
      // Since the patient's first appointment (r = 0) with their doctor.
      sql: (from: number, to: number) =>
        `insert into ${schema}.care_relationship (doctor_id, patient_id, since) ` +
        `select a.doctor_id, ${uuidV7Sql('a.created', 'a.hash')}, a.starts from ${visits(from, to, '(values (0))')}`,
    })),
  ];
}

interface Rebuildable {
  name: string;
  table: string;
  kind: 'index' | 'constraint';
  definition: string;
}

/** Secondary indexes and unique / exclusion constraints of `table` (primary keys and their indexes stay). */
async function rebuildables(client: pg.Client, table: string): Promise<Rebuildable[]> {
  const constraints = await client.query<{ name: string; definition: string }>(
    `select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint
     where conrelid = $1::regclass and contype in ('u', 'x') order by conname`,
    [table],
  );
  const indexes = await client.query<{ name: string; definition: string }>(
    `select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
     from pg_index i join pg_class c on c.oid = i.indexrelid
     where i.indrelid = $1::regclass and not i.indisprimary
       and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
     order by c.relname`,
    [table],
  );
  return [
    ...constraints.rows.map((row) => ({ ...row, table, kind: 'constraint' as const })),
    ...indexes.rows.map((row) => ({ ...row, table, kind: 'index' as const })),
  ];
}

/** Every index and constraint definition of the generator's tables: compared before and after the load. */
async function schemaFingerprint(client: pg.Client, tables: string[]): Promise<string> {
  const result = await client.query<{ line: string }>(
    `select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) as line from pg_constraint
       where conrelid = any($1::regclass[])
     union all
     select indexrelid::regclass::text || ' ' || pg_get_indexdef(indexrelid) from pg_index
       where indrelid = any($1::regclass[])
     order by 1`,
    [tables],
  );
  return result.rows.map((row) => row.line).join('\n');
}

/** Runs `work` over `items` on `connections` clients of `url`, `limit` at a time. */
async function onClients<Item>(
  url: string,
  connections: number,
  items: Item[],
  work: (client: pg.Client, item: Item) => Promise<void>,
  setup: string[] = [],
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(connections, items.length) }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const statement of setup) await client.query(statement);
        for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(client, item);
      } finally {
        await client.end();
      }
    }),
  );
}

/** Generates patients `[from, to)` with their appointments and copies (see the module docstring). */
export async function generateHistory(databaseUrl: string, options: GenerateOptions): Promise<GenerateResult> {
  const log = options.log ?? (() => {});
  const now = options.now ?? new Date();
  const started = performance.now();
  const patients = options.to - options.from;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const doctors = await client.query<{ count: number }>(
      'select count(*)::int as count from appointments.doctor_replica where active',
    );
    const doctorCount = doctors.rows[0]!.count;
    const layout = slotLayout({ ...options, doctors: doctorCount, now });
    // MRN sequence values taken so far: generated ones follow them.
    const sequence = await client.query<{ last_value: string; is_called: boolean }>(
      'select last_value, is_called from patients.patient_mrn_seq',
    );
    const taken = sequence.rows[0]!.is_called ? Number(sequence.rows[0]!.last_value) : 0;
    if (taken + patients > 9_999_999) throw new Error('the MRN sequence cannot hold that many patients');
    // Patients registered one millisecond apart, the last one (of maxPatients) 2 days before now.
    const base = new Date(now.getTime() - 2 * 86_400_000 - options.maxPatients);
    const loads = tableLoads({
      taken,
      base,
      stride: layout.stride,
      firstDay: layout.firstDay,
      slotsPerDay: layout.slotsPerDay,
      opensAt: options.clinic.opensAt,
      slotMinutes: options.clinic.slotMinutes,
      appointmentsPerPatient: options.appointmentsPerPatient,
    });
    const tables = loads.map((load) => load.table);
    const fingerprint = await schemaFingerprint(client, tables);

    const rebuild: Rebuildable[] = [];
    for (const load of loads) {
      if (patients * load.rowsPerPatient >= REBUILD_THRESHOLD_ROWS)
        rebuild.push(...(await rebuildables(client, load.table)));
    }
    for (const item of rebuild) {
      await client.query(
        item.kind === 'constraint'
          ? `alter table ${item.table} drop constraint "${item.name}"`
          : `drop index ${item.table.split('.')[0]}."${item.name}"`,
      );
    }
    log(
      `generating ${patients} patients (${options.from}–${options.to - 1}) and ${patients * options.appointmentsPerPatient} appointments with ${doctorCount} doctors; ${rebuild.length} indexes and constraints to rebuild`,
    );

    const loadStarted = performance.now();
    // The biggest chunks first, so that the last ones do not run alone.
    const chunks = loads
      .flatMap((load) =>
        chunkRanges(options.from, options.to, Math.max(1, Math.floor(CHUNK_ROWS / load.rowsPerPatient))).map(
          (range) => ({ load, range, rows: (range[1] - range[0]) * load.rowsPerPatient }),
        ),
      )
      .sort((a, b) => b.rows - a.rows);
    let loadSeconds = 0;
    let indexStarted = 0;
    try {
      await onClients(databaseUrl, LOAD_CONNECTIONS, chunks, async (loader, { load, range }) => {
        await loader.query(load.sql(range[0], range[1]));
      });
    } finally {
      // Also after a failed load: the schema is given back whole (a violated constraint then fails here too).
      loadSeconds = (performance.now() - loadStarted) / 1000;
      log(`rows loaded in ${loadSeconds.toFixed(1)} s; rebuilding ${rebuild.length} indexes and constraints`);
      indexStarted = performance.now();
      // The slowest first (exclusion constraints and trigram indexes), two at a time.
      const order = (item: Rebuildable) => (/gist|gin/i.test(item.definition) ? 0 : 1);
      await onClients(
        databaseUrl,
        INDEX_CONNECTIONS,
        [...rebuild].sort((a, b) => order(a) - order(b)),
        async (builder, item) => {
          await builder.query(
            item.kind === 'constraint'
              ? `alter table ${item.table} add constraint "${item.name}" ${item.definition}`
              : item.definition,
          );
        },
        ["set maintenance_work_mem = '512MB'", 'set max_parallel_maintenance_workers = 0'],
      );
    }
    const indexSeconds = (performance.now() - indexStarted) / 1000;

    const analyseStarted = performance.now();
    await client.query(`select setval('patients.patient_mrn_seq', $1)`, [taken + patients]);
    await onClients(databaseUrl, INDEX_CONNECTIONS, tables, async (vacuum, table) => {
      await vacuum.query(`vacuum (analyze) ${table}`);
    });
    const analyseSeconds = (performance.now() - analyseStarted) / 1000;

    if ((await schemaFingerprint(client, tables)) !== fingerprint) {
      throw new Error('the schema after the load differs from the migrated one');
    }
    const sample = await client.query<{ mrn: string }>('select mrn from patients.patient order by id limit 1000');
    const invalid = sample.rows.filter((row) => !isValidMrn(row.mrn));
    if (invalid.length > 0) throw new Error(`generated MRNs fail their check digit: ${invalid[0]!.mrn}`);
    return {
      patients,
      appointments: patients * options.appointmentsPerPatient,
      doctors: doctorCount,
      loadSeconds,
      indexSeconds,
      analyseSeconds,
      totalSeconds: (performance.now() - started) / 1000,
      rebuilt: rebuild.map((item) => `${item.table}.${item.name}`),
    };
  } finally {
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, count, perPatient] = process.argv.slice(2);
  const to = Number(count);
  if (!url || !Number.isInteger(to) || to < 1) {
    console.error('usage: node scripts/bench/generate.ts <database url> <patients> [appointments per patient]');
    process.exit(2);
  }
  const result = await generateHistory(url, {
    from: 0,
    to,
    maxPatients: to,
    appointmentsPerPatient: Number(perPatient ?? 5),
    clinic: { opensAt: 9 * 60, closesAt: 18 * 60, slotMinutes: 30 },
    log: (message) => console.error(message),
  });
  console.log(JSON.stringify(result, null, 2));
}
