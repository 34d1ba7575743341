/**
 * Every subgraph of the graph, by name (the order of `schema/catalog.ts`): definitions for tools, and the
 * factories a process uses to run them.
 */
import type { RequestContext } from '../platform/graphql/context.ts';
import type { SubgraphDefinition } from '../platform/subgraph.ts';
import { appointmentsSubgraph } from './appointments/subgraph.ts';
import { doctorsSubgraph } from './doctors/subgraph.ts';
import { identitySubgraph, type IdentitySettings } from './identity/subgraph.ts';
import { patientsSubgraph } from './patients/subgraph.ts';

/** Settings some subgraphs need beyond `SubgraphDependencies`. */
export interface GraphSettings {
  identity: IdentitySettings;
}

/** The definition of every subgraph, in catalog order. */
export function subgraphDefinitions(settings: GraphSettings): SubgraphDefinition<RequestContext>[] {
  return [
    identitySubgraph(settings.identity),
    patientsSubgraph,
    doctorsSubgraph,
    appointmentsSubgraph,
  ] as unknown as SubgraphDefinition<RequestContext>[];
}
