/**
 * SDL for unit tests of the platform's schema mechanisms: a subgraph's own types behind the same federation links
 * and `@access` / `@clinical` declarations every real subgraph has (`schema/common.graphql`).
 */
import { parse, type DocumentNode } from 'graphql';

const HEADER = `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@composeDirective"])
    @link(url: "https://hms.dev/access/v1.0", import: ["@access", "@clinical"])
    @composeDirective(name: "@access")
    @composeDirective(name: "@clinical")
  directive @access(roles: [Role!], public: Boolean) on FIELD_DEFINITION | OBJECT
  directive @clinical(patientIdField: String!) on OBJECT
  enum Role { ADMIN RECEPTION DOCTOR BILLING PATIENT }
`;

/** Parses `types` as a test subgraph's SDL. */
export const testSubgraphSdl = (types: string): DocumentNode => parse(`${HEADER}\n${types}`);
