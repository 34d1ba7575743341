import { describe, expect, it } from '@jest/globals';
import { CsvFileError, readCsvRecords, type CsvRecord } from './csv.ts';

async function collect(text: string, columns: string[] = []): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const record of readCsvRecords({ text }, 'test.csv', columns)) records.push(record);
  return records;
}

describe('readCsvRecords', () => {
  it('keeps a quoted comma inside its field', async () => {
    const records = await collect('Id,DESCRIPTION,CODE\n1,"Encounter for symptom, cough",185345009\n');
    expect(records).toEqual([
      { row: 2, fields: { Id: '1', DESCRIPTION: 'Encounter for symptom, cough', CODE: '185345009' } },
    ]);
  });

  it('reads escaped quotes and line breaks inside quoted fields, numbering each record by its first line', async () => {
    const records = await collect('A,B\n"say ""hi""","two\nlines"\nx,y\n');
    expect(records.map((record) => record.fields.A)).toEqual(['say "hi"', 'x']);
    expect(records.map((record) => record.row)).toEqual([2, 4]);
  });

  it('gives a short row empty fields instead of failing the whole file', async () => {
    const records = await collect('A,B,C\n1,2\n3,4,5\n');
    expect(records.map((record) => record.fields)).toEqual([
      { A: '1', B: '2', C: '' },
      { A: '3', B: '4', C: '5' },
    ]);
  });

  it('skips blank lines and a byte order mark', async () => {
    const records = await collect('\uFEFFA\n1\n\n2\n');
    expect(records.map((record) => [record.row, record.fields.A])).toEqual([
      [2, '1'],
      [4, '2'],
    ]);
  });

  it('refuses a file without a required column, naming it', async () => {
    await expect(collect('Id,NAME\n1,x\n', ['Id', 'BIRTHDATE'])).rejects.toThrow(
      new CsvFileError('test.csv', 'missing column(s) BIRTHDATE'),
    );
  });

  it('refuses a file that is not valid CSV', async () => {
    await expect(collect('A,B\n"unclosed,1\n')).rejects.toBeInstanceOf(CsvFileError);
  });

  it('reports a missing file as not found', async () => {
    const read = async () => {
      for await (const record of readCsvRecords({ path: '/nonexistent/patients.csv' }, 'patients.csv', [])) void record;
    };
    await expect(read()).rejects.toThrow('patients.csv: file not found');
  });
});
