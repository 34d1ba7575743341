/** Resolvers of the doctors subgraph: parse the input, call the service, shape the result. */
import { loaderPerParent, requestLoader } from '../../../platform/graphql/loaders.ts';
import { pageArgs, type Connection, type PageArgs } from '../../../platform/graphql/pagination.ts';
import { scalarResolvers } from '../../../platform/graphql/scalars.ts';
import { identifierLookupSchema, idSchema, parseInput } from '../../../platform/validation.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { Doctor } from '../doctor.entity.ts';
import {
  createDepartmentInput,
  createDoctorInput,
  doctorAvailabilityInput,
  doctorFilterInput,
  updateDoctorInput,
} from '../doctor.inputs.ts';

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    doctor: (_root, args, { doctors }) => doctors.doctor(parseInput(idSchema, args.id, 'id')),
    doctors: (_root, args, { doctors }) =>
      doctors.list(parseInput(doctorFilterInput, args, ''), { first: args.first ?? null, after: args.after ?? null }),
    doctorsByIdentifier: (_root, args, { doctors }) => {
      const lookup = parseInput(identifierLookupSchema, args, '');
      return doctors.byIdentifiers(lookup.system, lookup.values);
    },
    departments: (_root, _args, { doctors }) => doctors.departments(),
    department: (_root, args, { doctors }) => doctors.department(parseInput(idSchema, args.id, 'id')),
  },
  Mutation: {
    createDepartment: (_root, args, { doctors }) =>
      doctors.createDepartment(parseInput(createDepartmentInput, args.input)),
    createDoctor: (_root, args, { doctors }) => doctors.createDoctor(parseInput(createDoctorInput, args.input)),
    setDoctorAvailability: (_root, args, { doctors }) =>
      doctors.setAvailability(
        parseInput(idSchema, args.doctorId, 'doctorId'),
        parseInput(doctorAvailabilityInput, args.input),
      ),
    updateDoctor: (_root, args, { doctors }) =>
      doctors.updateDoctor(parseInput(idSchema, args.id, 'id'), parseInput(updateDoctorInput, args.input)),
  },
  Department: {
    __resolveReference: (reference, { loaders }) => loaders.departmentById.load(reference.id),
    // Through the request's loader: the departments of a page read all their doctors in one statement.
    doctors: (department, args, context) =>
      requestLoader(context, 'doctors.departmentId', () =>
        loaderPerParent<PageArgs, Connection<Doctor>>(
          (departmentIds, page) => context.doctors.listOfDepartments(departmentIds, page),
          (page) => JSON.stringify(page),
        ),
      ).load({ parentId: department.id, args: pageArgs(args) }),
  },
  Doctor: {
    __resolveReference: (reference, { loaders }) => loaders.doctorById.load(reference.id),
    displayName: (doctor) => `Dr. ${doctor.givenName} ${doctor.familyName}`,
    department: async (doctor, _args, { loaders }) => (await loaders.departmentById.load(doctor.department.id))!,
    consultationFee: (doctor) => ({ amount: doctor.consultationFeeAmount, currency: doctor.feeCurrency }),
    identifiers: (doctor, _args, { loaders }) => loaders.identifiersByDoctor.load(doctor.id),
    availability: (doctor, _args, { defaultWeeklyHours }) => ({
      weeklyHours: doctor.weeklyHours ?? defaultWeeklyHours,
      timeOff: doctor.timeOff.map((off) => ({
        startsAt: new Date(off.startsAt),
        endsAt: new Date(off.endsAt),
        reason: off.reason,
      })),
      isDefault: doctor.weeklyHours === null || doctor.weeklyHours === undefined,
    }),
  },
};
