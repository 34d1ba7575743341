/**
 * k8s/ cannot be applied here (no cluster), so this test reads every manifest and checks what would otherwise only
 * fail at `kubectl apply -k k8s/` or, worse, run wrong: each document against the Kubernetes OpenAPI schemas
 * (`kubernetes-models`, unknown fields included), and against the code: every process of `schema/catalog.ts` runs
 * from its entry point on its port with health probes, limits and a locked-down container; every variable it gets is
 * one its config schema knows and parses; secrets come only from the generated Secret; only the gateway is published;
 * the network policies admit exactly the callers the code has.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import { gatewayCommonEnv, gatewayEnvSchema } from '../gateway/config.ts';
import { loadConfig, subgraphEnv } from '../platform/config.ts';
import { SUBGRAPHS } from '../schema/catalog.ts';
import { appointmentsEnv } from '../subgraphs/appointments/subgraph.ts';
import { auditEnv } from '../subgraphs/audit/subgraph.ts';
import { identityEnv } from '../subgraphs/identity/subgraph.ts';
import { notificationsEnv } from '../subgraphs/notifications/subgraph.ts';
import { paymentsEnv } from '../subgraphs/payments/subgraph.ts';

type ILabelSelector = NonNullable<IDeployment['spec']>['selector'];

const root = new URL('../', import.meta.url);
const k8sDir = new URL('k8s/', root);
const readText = (path: string, base: URL = root): string => readFileSync(new URL(path, base), 'utf8');

// ---------------------------------------------------------------------------------------------------------------
// Schema validation

/** The kinds the deployment may use, by `apiVersion/kind`; anything else is an error, not a document let through. */
const MODELS = [Namespace, ConfigMap, Secret, Service, Deployment, HorizontalPodAutoscaler, Ingress, NetworkPolicy];
const KNOWN_KINDS = new Map<string, { validate(): void } & object>(
  [...MODELS, PodDisruptionBudget].map((model) => [`${model.apiVersion}/${model.kind}`, model.prototype]),
);

/**
 * Validates `doc` against its kind's OpenAPI schema and refuses fields the schema does not know (the schemas allow
 * them, `kubectl apply`'s strict field validation does not: a misspelt `readinesProbe` would silently do nothing).
 * Unknown fields are found by running the generated validator on a proxy of the document: the validator reads every
 * property its schema names, and iterates every key of a map, so a key it never read is one the schema lacks.
 *
 * @throws Error naming the document's kind, the schema violation or the unknown fields' paths.
 */
function validateManifest(doc: Record<string, unknown>): void {
  const prototype = KNOWN_KINDS.get(`${String(doc.apiVersion)}/${String(doc.kind)}`);
  if (!prototype) throw new Error(`unknown kind ${String(doc.apiVersion)}/${String(doc.kind)}`);
  const read = new WeakMap<object, Set<PropertyKey>>();
  const proxies = new WeakMap<object, object>();
  const track = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    let proxy = proxies.get(value);
    if (!proxy) {
      const keys = new Set<PropertyKey>();
      read.set(value, keys);
      proxy = new Proxy(value, {
        get: (target, key) => {
          keys.add(key);
          return track(Reflect.get(target, key));
        },
      });
      proxies.set(value, proxy);
    }
    return proxy;
  };
  prototype.validate.call(track(doc));
  const unknown: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${path}[${index}]`));
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (read.get(value)?.has(key)) walk(child, `${path}.${key}`);
        else unknown.push(`${path}.${key}`);
      }
    }
  };
  walk(doc, String(doc.kind));
  if (unknown.length > 0) throw new Error(`fields unknown to the schema: ${unknown.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The manifests

/** Every YAML file under k8s/, relative to it. */
function yamlFiles(dir: URL, prefix = ''): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (statSync(new URL(entry, dir)).isDirectory()) return yamlFiles(new URL(`${entry}/`, dir), `${prefix}${entry}/`);
    return /\.ya?ml$/.test(entry) ? [`${prefix}${entry}`] : [];
  });
}

interface Manifest {
  file: string;
  /** The comment that opens the document, as one line. */
  comment: string;
  doc: Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } };
}

const kustomization = parseYaml(readText('kustomization.yaml', k8sDir)) as {
  apiVersion: string;
  kind: string;
  namespace: string;
  resources: string[];
  secretGenerator: { name: string; envs: string[] }[];
  images: { name: string; newName: string; newTag: string }[];
};
const resourceFiles = yamlFiles(k8sDir).filter((file) => file !== 'kustomization.yaml');
const manifests: Manifest[] = resourceFiles.flatMap((file) => {
  const text = readText(file, k8sDir);
  const sources = text.split(/^---$/m);
  const documents = parseAllDocuments(text);
  if (documents.length !== sources.length) throw new Error(`${file}: a document separator this test cannot read`);
  return documents.map((document, index) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map(String).join('; ')}`);
    const lines = sources[index]!.trimStart().split('\n');
    const opening = lines.slice(
      0,
      lines.findIndex((line) => !line.startsWith('#')),
    );
    return {
      file,
      comment: opening.map((line) => line.replace(/^# ?/, '')).join(' '),
      doc: document.toJS() as Manifest['doc'],
    };
  });
});
const docs = manifests.map((manifest) => manifest.doc);
const ofKind = <T>(kind: string): (T & { metadata: { name: string } })[] =>
  docs.filter((doc) => doc.kind === kind) as unknown as (T & { metadata: { name: string } })[];
const deployments = ofKind<IDeployment>('Deployment');
const services = ofKind<IService>('Service');
const configMaps = ofKind<IConfigMap>('ConfigMap');
const autoscalers = ofKind<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler');
const networkPolicies = ofKind<INetworkPolicy>('NetworkPolicy');
const disruptionBudgets = ofKind<IPodDisruptionBudget>('PodDisruptionBudget');
const ingresses = ofKind<IIngress>('Ingress');
const named = <T extends { metadata: { name: string } }>(items: T[], name: string): T => {
  const found = items.find((item) => item.metadata.name === name);
  if (!found) throw new Error(`no ${name} among ${items.map((item) => item.metadata.name).join(', ')}`);
  return found;
};

// ---------------------------------------------------------------------------------------------------------------
// What the code says

/** The gateway's port: the default of its `PORT` variable. */
const GATEWAY_PORT = gatewayCommonEnv.PORT.parse(undefined);
const PROCESSES = [
  { name: 'gateway', port: GATEWAY_PORT, command: ['node', 'gateway/main.ts'] },
  ...SUBGRAPHS.map((entry) => ({ ...entry, command: ['node', `subgraphs/${entry.name}/main.ts`] })),
];
const isSubgraph = (name: string): boolean => SUBGRAPHS.some((entry) => entry.name === name);

/**
 * Each subgraph's own variables: the shape its `main.ts` hands to `runSubgraphProcess` (read from the source, so a
 * subgraph that gains variables, or a new subgraph, fails here until this map knows them).
 */
const OWN_ENV_BY_IDENTIFIER: Record<string, z.ZodRawShape> = {
  appointmentsEnv,
  auditEnv,
  identityEnv,
  notificationsEnv,
  paymentsEnv,
};
function subgraphOwnEnv(name: string): z.ZodRawShape {
  const source = readText(`subgraphs/${name}/main.ts`);
  const match = /runSubgraphProcess\(\s*'([a-z]+)',\s*(\w+|\{\})/.exec(source);
  if (match?.[1] !== name) throw new Error(`subgraphs/${name}/main.ts does not call runSubgraphProcess('${name}', …)`);
  if (match[2] === '{}') return {};
  const shape = OWN_ENV_BY_IDENTIFIER[match[2]!];
  if (!shape) throw new Error(`import ${match[2]} (subgraphs/${name}) into test/k8s.test.ts`);
  return shape;
}

/** The config schema a process parses its environment with. */
const processEnvSchema = (name: string): z.ZodObject<z.ZodRawShape> =>
  name === 'gateway' ? gatewayEnvSchema : z.object({ ...subgraphEnv, ...subgraphOwnEnv(name) });

/** How long a process may take to stop gracefully after SIGTERM (`runProcess`'s default, in milliseconds). */
const GRACEFUL_STOP_MS = Number(
  /graceMs = ([\d_]+)/.exec(readText('platform/process.ts'))?.[1]?.replaceAll('_', '') ?? Number.NaN,
);

/**
 * Who calls a subgraph directly besides the gateway: `deliverDirectly(options, '<peer>', …)` in a subgraph's source
 * (platform/events/direct-delivery.ts), as [caller, peer] pairs.
 */
function directDeliveries(): [string, string][] {
  const pairs: [string, string][] = [];
  for (const { name } of SUBGRAPHS) {
    const dir = new URL(`subgraphs/${name}/`, root);
    const sources = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => readFileSync(new URL(file, dir), 'utf8'));
    for (const source of sources) {
      const calls = source.match(/\bdeliverDirectly\(/g)?.length ?? 0;
      const peers = [...source.matchAll(/\bdeliverDirectly\(\s*\{[^}]*\},\s*'([a-z]+)'/g)].map((match) => match[1]!);
      if (peers.length !== calls) throw new Error(`subgraphs/${name}: a deliverDirectly call this test cannot read`);
      for (const peer of peers) pairs.push([name, peer]);
    }
  }
  return pairs;
}
const DIRECT_DELIVERIES = directDeliveries();

// ---------------------------------------------------------------------------------------------------------------
// Secrets and environments

const secretGenerator = kustomization.secretGenerator.find((generator) => generator.name === 'hms-secrets');
const SECRETS_EXAMPLE = 'secrets.env.example';
/** The example secrets (placeholders), as the secretGenerator would read the real file. */
const exampleSecrets = new Map(
  readText(SECRETS_EXAMPLE, k8sDir)
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)] as const;
    }),
);

const containerOf = (deployment: IDeployment): IContainer => deployment.spec!.template.spec!.containers[0]!;

/** The environment a container gets, with the example secrets in place of the real ones. */
function containerEnvironment(container: IContainer): Map<string, { value: string; from: string }> {
  const environment = new Map<string, { value: string; from: string }>();
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) throw new Error(`${container.name}: envFrom takes ConfigMaps only`);
    const data = named(configMaps, source.configMapRef.name ?? '').data ?? {};
    for (const [key, value] of Object.entries(data)) environment.set(key, { value, from: 'ConfigMap' });
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    const configMap = variable.valueFrom?.configMapKeyRef;
    if (secret) {
      const value = exampleSecrets.get(secret.key);
      if (value === undefined) throw new Error(`${container.name}: ${secret.key} is not in ${SECRETS_EXAMPLE}`);
      environment.set(variable.name, { value, from: `Secret ${secret.name}` });
    } else if (configMap) {
      const value = named(configMaps, configMap.name ?? '').data?.[configMap.key];
      if (value === undefined) throw new Error(`${container.name}: no ${configMap.key} in ${configMap.name}`);
      environment.set(variable.name, { value, from: 'ConfigMap' });
    } else {
      environment.set(variable.name, { value: variable.value ?? '', from: 'inline' });
    }
  }
  return environment;
}

// ---------------------------------------------------------------------------------------------------------------
// Network policies: who may reach whom

interface Endpoint {
  namespaceLabels: Record<string, string>;
  podLabels: Record<string, string>;
}
const NAMESPACE = 'hms';
const namespaceLabels = (name: string): Record<string, string> => ({ 'kubernetes.io/metadata.name': name });
const podOf = (name: string): Endpoint => ({
  namespaceLabels: {
    ...namespaceLabels(NAMESPACE),
    ...(ofKind<{ metadata: { labels?: Record<string, string> } }>('Namespace')[0]?.metadata.labels ?? {}),
  },
  podLabels: named(deployments, name).spec!.template.metadata!.labels ?? {},
});
/** ingress-nginx's controller as its official chart deploys it, and Prometheus in `monitoring`. */
const INGRESS_CONTROLLER: Endpoint = {
  namespaceLabels: namespaceLabels('ingress-nginx'),
  podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
};
const PROMETHEUS: Endpoint = { namespaceLabels: namespaceLabels('monitoring'), podLabels: { app: 'prometheus' } };
const STRANGER: Endpoint = { namespaceLabels: namespaceLabels('default'), podLabels: { app: 'anything' } };
/** Somewhere outside the cluster (a managed PostgreSQL, Kafka, a mail server). */
const OUTSIDE = 'outside';

function selects(selector: ILabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  if (selector.matchExpressions?.length) throw new Error('matchExpressions are not evaluated by this test');
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}
function peerMatches(peer: INetworkPolicyPeer, endpoint: Endpoint | typeof OUTSIDE): boolean {
  if (endpoint === OUTSIDE) return peer.ipBlock !== undefined;
  if (peer.ipBlock) return false;
  const sameNamespace = endpoint.namespaceLabels['kubernetes.io/metadata.name'] === NAMESPACE;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, endpoint.namespaceLabels)
    : sameNamespace;
  return namespaceOk && selects(peer.podSelector, endpoint.podLabels);
}
const portMatches = (ports: INetworkPolicyPort[] | undefined, port: number, protocol: string): boolean =>
  !ports?.length ||
  ports.some(
    (entry) =>
      (entry.protocol ?? 'TCP') === protocol &&
      (entry.port === undefined ||
        (entry.port === port && entry.endPort === undefined) ||
        (typeof entry.port === 'number' && entry.endPort !== undefined && entry.port <= port && port <= entry.endPort)),
  );

/** True when the policies let `from` open `port` on `to` (both directions must allow it). */
function allowed(
  from: Endpoint | typeof OUTSIDE,
  to: Endpoint | typeof OUTSIDE,
  port: number,
  protocol = 'TCP',
): boolean {
  const inNamespace = (endpoint: Endpoint | typeof OUTSIDE): endpoint is Endpoint =>
    endpoint !== OUTSIDE && endpoint.namespaceLabels['kubernetes.io/metadata.name'] === NAMESPACE;
  const direction = (pod: Endpoint, type: 'Ingress' | 'Egress', other: Endpoint | typeof OUTSIDE): boolean => {
    const policies = networkPolicies.filter(
      (policy) => policy.spec!.policyTypes?.includes(type) && selects(policy.spec!.podSelector, pod.podLabels),
    );
    if (policies.length === 0) return true;
    return policies.some((policy) =>
      (type === 'Ingress'
        ? (policy.spec!.ingress ?? []).map((rule) => ({ peers: rule.from, ports: rule.ports }))
        : (policy.spec!.egress ?? []).map((rule) => ({ peers: rule.to, ports: rule.ports }))
      ).some(
        (rule) =>
          (!rule.peers?.length || rule.peers.some((peer) => peerMatches(peer, other))) &&
          portMatches(rule.ports, port, protocol),
      ),
    );
  };
  return (!inNamespace(from) || direction(from, 'Egress', to)) && (!inNamespace(to) || direction(to, 'Ingress', from));
}

/** `http://host:port/path` of a URL whose host is a Service in the namespace. */
function serviceOf(url: string): { service: IService; port: number; path: string } {
  const parsed = new URL(url);
  const service = named(services, parsed.hostname.split('.')[0]!);
  if (parsed.hostname.includes('.') && !parsed.hostname.startsWith(`${service.metadata!.name}.${NAMESPACE}.`))
    throw new Error(`${url} is not a Service of ${NAMESPACE}`);
  return { service, port: Number(parsed.port), path: parsed.pathname };
}

// ---------------------------------------------------------------------------------------------------------------

describe('k8s/ manifests', () => {
  it('are all Kubernetes objects of a known kind that pass their OpenAPI schema, with no unknown field', () => {
    expect(manifests.length).toBeGreaterThan(0);
    for (const { file, doc } of manifests) {
      try {
        validateManifest(doc);
      } catch (error) {
        throw new Error(`${file}: ${doc.kind} ${doc.metadata?.name}: ${(error as Error).message}`);
      }
    }
  });

  it('are checked by a validator that does reject a wrong type, an unknown field and an unknown kind', () => {
    const gateway = structuredClone(named(deployments, 'gateway')) as unknown as Record<string, unknown>;
    expect(() => validateManifest(gateway)).not.toThrow();
    const wrongType = structuredClone(gateway) as { spec: { replicas?: unknown } };
    wrongType.spec.replicas = 'two';
    expect(() => validateManifest(wrongType as unknown as Record<string, unknown>)).toThrow(/replicas/);
    expect(() => new Deployment(wrongType as unknown as IDeployment).validate()).toThrow(/replicas/);
    const misspelt = structuredClone(gateway) as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    misspelt.spec.template.spec.containers[0]!.readinesProbe = { httpGet: { path: '/health/ready', port: 4000 } };
    expect(() => validateManifest(misspelt as unknown as Record<string, unknown>)).toThrow(
      /unknown to the schema: Deployment\.spec\.template\.spec\.containers\[0\]\.readinesProbe/,
    );
    const missing = structuredClone(gateway) as { spec: { selector?: unknown } };
    delete missing.spec.selector;
    expect(() => validateManifest(missing as unknown as Record<string, unknown>)).toThrow(/selector/);
    expect(() => validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toThrow(
      /unknown kind/,
    );
  });

  it('are all listed in kustomization.yaml, which deploys them into the namespace hms', () => {
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    expect([...kustomization.resources].sort()).toEqual([...resourceFiles].sort());
    expect(new Set(kustomization.resources).size).toBe(kustomization.resources.length);
    expect(kustomization.namespace).toBe(NAMESPACE);
    expect(ofKind('Namespace').map((doc) => doc.metadata.name)).toEqual([NAMESPACE]);
    for (const { file, doc } of manifests) {
      if (doc.kind !== 'Namespace') expect(`${file}: ${doc.metadata.namespace}`).toBe(`${file}: ${NAMESPACE}`);
    }
    const names = docs.map((doc) => `${doc.kind}/${doc.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('enforce the restricted Pod Security profile on the namespace', () => {
    const namespace = ofKind<{ metadata: { labels?: Record<string, string> } }>('Namespace')[0]!;
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe.each(PROCESSES)('the $name process', (process) => {
  const { name } = process;
  const deployment = named(deployments, name);
  const service = named(services, name);
  const pod = deployment.spec!.template;
  const container = containerOf(deployment);
  const containerPort = (reference: number | string): number =>
    typeof reference === 'number'
      ? reference
      : (container.ports?.find((port) => port.name === reference)?.containerPort ?? Number.NaN);

  it('runs from its entry point in the one image, on its port, behind a ClusterIP Service on the same port', () => {
    expect(pod.spec!.containers).toHaveLength(1);
    expect(container.command).toEqual(process.command);
    expect(existsSync(new URL(process.command[1]!, root))).toBe(true);
    expect(container.image).toBe(kustomization.images[0]!.name);
    expect(kustomization.images).toHaveLength(1);
    expect(container.ports?.map((port) => port.containerPort)).toEqual([process.port]);
    expect(containerEnvironment(container).get('PORT')?.value).toBe(String(process.port));
    expect(service.spec!.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(service.spec!.ports).toHaveLength(1);
    expect(service.spec!.ports![0]!.port).toBe(process.port);
    expect(containerPort(service.spec!.ports![0]!.targetPort ?? process.port)).toBe(process.port);
    expect(selects(deployment.spec!.selector, pod.metadata!.labels ?? {})).toBe(true);
    expect(selects({ matchLabels: service.spec!.selector }, pod.metadata!.labels ?? {})).toBe(true);
    // The Service selects this process's pods and no other's.
    for (const other of deployments.filter((candidate) => candidate !== deployment))
      expect(selects({ matchLabels: service.spec!.selector }, other.spec!.template.metadata!.labels ?? {})).toBe(false);
  });

  it('is probed on /health/live (startup, liveness) and /health/ready (readiness), with time for migrations', () => {
    const path = (probe: IContainer['livenessProbe']): string | undefined => probe?.httpGet?.path;
    expect(path(container.startupProbe)).toBe('/health/live');
    expect(path(container.livenessProbe)).toBe('/health/live');
    expect(path(container.readinessProbe)).toBe('/health/ready');
    for (const probe of [container.startupProbe!, container.livenessProbe!, container.readinessProbe!])
      expect(containerPort(probe.httpGet!.port)).toBe(process.port);
    const startupSeconds =
      (container.startupProbe!.periodSeconds ?? 10) * (container.startupProbe!.failureThreshold ?? 3);
    expect(startupSeconds).toBeGreaterThanOrEqual(180);
  });

  it('has CPU and memory requests and limits, requests within limits', () => {
    const quantity = (value: string | number | undefined): number => {
      const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$/.exec(String(value));
      if (!match) throw new Error(`not a quantity: ${value}`);
      const unit = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 }[match[2] ?? ''] ?? 1;
      return Number(match[1]) * unit;
    };
    for (const resource of ['cpu', 'memory']) {
      const request = quantity(container.resources?.requests?.[resource]);
      const limit = quantity(container.resources?.limits?.[resource]);
      expect(request).toBeGreaterThan(0);
      expect(limit).toBeGreaterThanOrEqual(request);
    }
  });

  it("runs as the image's non-root user on a read-only root filesystem, without privileges or capabilities", () => {
    expect(readText('Dockerfile')).toMatch(/^USER node$/m);
    expect(pod.spec!.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000, // `node` in the official Node.js images
      runAsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.securityContext?.capabilities?.add).toBeUndefined();
    expect(container.securityContext?.privileged ?? false).toBe(false);
    const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    expect(pod.spec!.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(pod.spec!.automountServiceAccountToken).toBe(false);
  });

  it('stops gracefully: pulled from the endpoints first, then given the time its own graceful stop may take', () => {
    expect(GRACEFUL_STOP_MS).toBeGreaterThan(0);
    const preStopSeconds = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(preStopSeconds).toBeGreaterThan(0);
    expect(pod.spec!.terminationGracePeriodSeconds).toBeGreaterThan(preStopSeconds + GRACEFUL_STOP_MS / 1000);
  });

  it('is scraped by Prometheus on its own port at /metrics', () => {
    expect(pod.metadata!.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(process.port),
      'prometheus.io/path': '/metrics',
    });
    expect(allowed(PROMETHEUS, podOf(name), process.port)).toBe(true);
  });

  it('gets only variables its config schema knows, which it parses as a production configuration', () => {
    const schema = processEnvSchema(name);
    const environment = containerEnvironment(container);
    for (const variable of environment.keys())
      expect(`${variable}: ${variable in schema.shape}`).toBe(`${variable}: true`);
    const values = Object.fromEntries([...environment].map(([variable, { value }]) => [variable, value]));
    const config = loadConfig(schema, values) as Record<string, unknown>;
    expect(config.NODE_ENV).toBe('production');
    // Required of a process on its own in production, though optional in the schema shared with `npm start`.
    const required = [
      'HMS_INTERNAL_TOKEN_SECRET',
      'KAFKA_BROKERS',
      ...(isSubgraph(name) ? ['DATABASE_URL'] : []),
      // subgraphs/identity/user.service.ts: bootstrapAdmin generates no admin in production.
      ...(name === 'identity' ? ['HMS_ADMIN_EMAIL', 'HMS_ADMIN_PASSWORD'] : []),
    ];
    for (const variable of required) expect(`${variable}: ${Boolean(values[variable])}`).toBe(`${variable}: true`);
    expect(pod.spec!.enableServiceLinks).toBe(false);
  });

  it('reaches every subgraph it needs through its Service', () => {
    const environment = containerEnvironment(container);
    for (const entry of SUBGRAPHS) {
      const url = environment.get(`SUBGRAPH_${entry.name.toUpperCase()}_URL`)?.value;
      expect(url).toBeDefined();
      const target = serviceOf(url!);
      expect([target.service.metadata!.name, target.port, target.path]).toEqual([entry.name, entry.port, '/graphql']);
    }
  });

  it('takes its secrets from the Secret hms-secrets, never inline or from a ConfigMap', () => {
    for (const [variable, { from }] of containerEnvironment(container)) {
      if (exampleSecrets.has(variable) || /SECRET|PASSWORD|_TOKEN$|DATABASE_URL|SMTP_URL/.test(variable))
        expect(`${variable} from ${from}`).toBe(`${variable} from Secret ${secretGenerator?.name}`);
    }
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (ref) expect(ref.key).toBe(variable.name);
      // Optional only where the placeholder is empty: a required secret left out must stop the pod from starting.
      if (ref) expect(`${ref.key}: ${ref.optional ?? false}`).toBe(`${ref.key}: ${exampleSecrets.get(ref.key) === ''}`);
    }
  });
});

describe('configuration and secrets', () => {
  it('keeps no secret in a ConfigMap and commits no Secret: the one Secret is generated from an ignored file', () => {
    expect(ofKind('Secret')).toEqual([]);
    for (const configMap of configMaps) {
      for (const key of Object.keys(configMap.data ?? {})) {
        expect(exampleSecrets.has(key)).toBe(false);
        expect(key).not.toMatch(/SECRET|PASSWORD|_TOKEN$|DATABASE_URL|SMTP_URL/);
      }
    }
    expect(secretGenerator?.envs).toEqual(['secrets.env']);
    expect(readText('.gitignore', k8sDir).split('\n')).toContain('secrets.env');
    expect(existsSync(new URL('secrets.env', k8sDir))).toBe(false);
  });

  it('has an example with a placeholder for every secret a process reads, and nothing else', () => {
    const used = new Set(
      deployments.flatMap((deployment) =>
        (containerOf(deployment).env ?? []).flatMap((variable) => variable.valueFrom?.secretKeyRef?.key ?? []),
      ),
    );
    expect([...exampleSecrets.keys()].sort()).toEqual([...used].sort());
    for (const [key, value] of exampleSecrets) expect(`${key}=${value}`).toMatch(/^[A-Z_]+=(.*CHANGE-ME.*)?$/);
  });

  it('gives every ConfigMap to some process and points the gateway at identity for keys and revocations', () => {
    const referenced = new Set(
      deployments.flatMap((deployment) =>
        (containerOf(deployment).envFrom ?? []).map((source) => source.configMapRef?.name),
      ),
    );
    expect([...referenced].sort()).toEqual(configMaps.map((configMap) => configMap.metadata.name).sort());
    const environment = containerEnvironment(containerOf(named(deployments, 'gateway')));
    for (const variable of ['HMS_JWKS_URL', 'HMS_REVOCATIONS_URL'] as const) {
      const target = serviceOf(environment.get(variable)!.value);
      const fallback = new URL(gatewayEnvSchema.shape[variable].parse(undefined));
      const identity = SUBGRAPHS.find((entry) => entry.name === 'identity')!;
      expect([target.service.metadata!.name, target.port, target.path]).toEqual([
        identity.name,
        identity.port,
        fallback.pathname,
      ]);
    }
  });
});

describe('scaling and disruptions', () => {
  it('autoscales on CPU only existing Deployments, each of which leaves its replica count to the autoscaler', () => {
    expect(autoscalers.length).toBeGreaterThan(0);
    for (const autoscaler of autoscalers) {
      const target = autoscaler.spec!.scaleTargetRef;
      expect([target.apiVersion, target.kind]).toEqual(['apps/v1', 'Deployment']);
      const deployment = named(deployments, target.name);
      expect(deployment.spec!.replicas).toBeUndefined();
      expect(autoscaler.spec!.minReplicas).toBeGreaterThanOrEqual(2);
      expect(autoscaler.spec!.maxReplicas).toBeGreaterThanOrEqual(autoscaler.spec!.minReplicas!);
      expect(autoscaler.spec!.metrics).toEqual([
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } },
        },
      ]);
    }
    expect(autoscalers.map((autoscaler) => autoscaler.spec!.scaleTargetRef.name)).toContain('gateway');
  });

  it('runs every process not autoscaled on two replicas, and says in each subgraph file why it is or is not', () => {
    for (const { name } of PROCESSES) {
      const scaled = autoscalers.some((autoscaler) => autoscaler.spec!.scaleTargetRef.name === name);
      if (!scaled) expect(named(deployments, name).spec!.replicas).toBeGreaterThanOrEqual(2);
      if (isSubgraph(name)) {
        const comment = manifests.find((manifest) => (manifest.doc as unknown) === named(deployments, name))!.comment;
        expect(comment).toMatch(scaled ? /Autoscaled on CPU: \S/ : /not autoscaled: \S/);
      }
    }
  });

  it("keeps each subgraph's autoscaler within the topics' partitions, so that every replica can consume", () => {
    const partitions = Number(
      containerEnvironment(containerOf(named(deployments, 'patients'))).get('KAFKA_TOPIC_PARTITIONS')?.value,
    );
    for (const autoscaler of autoscalers.filter((candidate) => isSubgraph(candidate.spec!.scaleTargetRef.name)))
      expect(autoscaler.spec!.maxReplicas).toBeLessThanOrEqual(partitions);
  });

  it('lets a drain take at most one gateway pod at a time, and each budget covers an existing Deployment', () => {
    for (const budget of disruptionBudgets) {
      const covered = deployments.filter((deployment) =>
        selects(budget.spec!.selector, deployment.spec!.template.metadata!.labels ?? {}),
      );
      expect(covered.map((deployment) => deployment.metadata!.name)).toEqual([budget.metadata!.name]);
    }
    expect(named(disruptionBudgets, 'gateway').spec!.maxUnavailable).toBe(1);
  });
});

describe('exposure and network policies', () => {
  it('publishes only the gateway, through one Ingress on /graphql whose WebSockets may stay open', () => {
    expect(ingresses).toHaveLength(1);
    const ingress = ingresses[0]!;
    const backends = [
      ...(ingress.spec!.defaultBackend ? [ingress.spec!.defaultBackend] : []),
      ...(ingress.spec!.rules ?? []).flatMap((rule) => rule.http?.paths.map((path) => path.backend) ?? []),
    ];
    expect(backends.length).toBeGreaterThan(0);
    const gatewayService = named(services, 'gateway').spec!.ports![0]!;
    for (const backend of backends) {
      expect(backend.service?.name).toBe('gateway');
      const port = backend.service?.port;
      expect(port?.name ?? port?.number).toBe(port?.name ? gatewayService.name : gatewayService.port);
    }
    const paths = (ingress.spec!.rules ?? []).flatMap((rule) => rule.http?.paths.map((path) => path.path) ?? []);
    expect(paths).toContain('/graphql');
    const timeout = Number(ingress.metadata!.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']);
    expect(timeout).toBeGreaterThanOrEqual(3600);
    for (const service of services) expect(service.spec!.type ?? 'ClusterIP').toBe('ClusterIP');
  });

  it('deny every connection in the namespace that no policy allows', () => {
    const denyAll = networkPolicies.find(
      (policy) =>
        Object.keys(policy.spec!.podSelector ?? {}).length === 0 &&
        policy.spec!.ingress === undefined &&
        policy.spec!.egress === undefined,
    );
    expect(denyAll?.spec!.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(allowed(STRANGER, podOf('gateway'), GATEWAY_PORT)).toBe(false);
  });

  it('admit to the gateway only the ingress controller and Prometheus', () => {
    const callers = [INGRESS_CONTROLLER, PROMETHEUS, STRANGER, ...PROCESSES.map((process) => podOf(process.name))];
    const admitted = callers.filter((caller) => allowed(caller, podOf('gateway'), GATEWAY_PORT));
    expect(admitted).toEqual([INGRESS_CONTROLLER, PROMETHEUS]);
  });

  it.each(SUBGRAPHS)(
    'admit to $name, on its port $port only, the gateway, the subgraphs that deliver to it directly, and Prometheus',
    ({ name, port }) => {
      const expected = ['gateway', ...DIRECT_DELIVERIES.filter(([, peer]) => peer === name).map(([caller]) => caller)];
      const admitted = PROCESSES.filter((process) => allowed(podOf(process.name), podOf(name), port)).map(
        (process) => process.name,
      );
      expect(admitted.sort()).toEqual(expected.sort());
      expect(allowed(PROMETHEUS, podOf(name), port)).toBe(true);
      expect(allowed(INGRESS_CONTROLLER, podOf(name), port)).toBe(false);
      expect(allowed(STRANGER, podOf(name), port)).toBe(false);
      // Not on another port, whoever asks.
      for (const caller of [podOf('gateway'), PROMETHEUS])
        expect(allowed(caller, podOf(name), port + 1000)).toBe(false);
    },
  );

  it('find identity delivering sign-ups straight to patients (what the patients policy is checked against)', () => {
    expect(DIRECT_DELIVERIES).toContainEqual(['identity', 'patients']);
  });

  it('let every process resolve names and reach Kafka, and every subgraph PostgreSQL', () => {
    const kafkaPorts = (
      containerEnvironment(containerOf(named(deployments, 'gateway'))).get('KAFKA_BROKERS')?.value ?? ''
    )
      .split(',')
      .map((broker) => Number(broker.split(':').at(-1)));
    expect(kafkaPorts.length).toBeGreaterThan(0);
    const postgresPort = Number(new URL(exampleSecrets.get('DATABASE_URL')!).port || 5432);
    for (const { name } of PROCESSES) {
      const pod = podOf(name);
      expect(
        allowed(
          pod,
          { namespaceLabels: namespaceLabels('kube-system'), podLabels: { 'k8s-app': 'kube-dns' } },
          53,
          'UDP',
        ),
      ).toBe(true);
      for (const port of kafkaPorts) expect(allowed(pod, OUTSIDE, port)).toBe(true);
      expect(allowed(pod, OUTSIDE, postgresPort)).toBe(isSubgraph(name));
      expect(allowed(pod, OUTSIDE, 6379)).toBe(false);
    }
  });

  it('let the gateway reach every subgraph, and no subgraph another unless it delivers to it directly', () => {
    for (const entry of SUBGRAPHS) {
      for (const caller of SUBGRAPHS) {
        const expected = DIRECT_DELIVERIES.some(([from, to]) => from === caller.name && to === entry.name);
        expect(`${caller.name} → ${entry.name}: ${allowed(podOf(caller.name), podOf(entry.name), entry.port)}`).toBe(
          `${caller.name} → ${entry.name}: ${expected}`,
        );
      }
      expect(allowed(podOf('gateway'), podOf(entry.name), entry.port)).toBe(true);
    }
  });
});
