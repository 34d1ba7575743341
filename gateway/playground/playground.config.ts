/** Whether a gateway serves the playground, from its parsed environment (`gateway/config.ts`). */
import { ConfigError } from '../../platform/config.ts';

export interface PlaygroundEnv {
  NODE_ENV: string;
  HMS_GATEWAY_PLAYGROUND?: boolean | undefined;
  HMS_GATEWAY_INTROSPECTION?: boolean | undefined;
  HMS_GATEWAY_TRUSTED_DOCUMENTS?: string | undefined;
}

/**
 * `HMS_GATEWAY_PLAYGROUND` when set; otherwise on wherever introspection is (by default: everywhere but production).
 * The playground shows the schema, completes and validates operations from introspection, so it requires it: with
 * introspection off (`HMS_GATEWAY_INTROSPECTION=false`, or production without it) an explicit
 * `HMS_GATEWAY_PLAYGROUND=true` is refused rather than served as a page that cannot show the schema, and an unset one
 * means off.
 *
 * With trusted documents (`HMS_GATEWAY_TRUSTED_DOCUMENTS`) only listed operations run, so the playground could run
 * nothing it is given: it is off, and asking for it is refused likewise.
 *
 * @throws ConfigError for `HMS_GATEWAY_PLAYGROUND=true` with introspection off or with trusted documents.
 */
export function playgroundEnabled(env: PlaygroundEnv): boolean {
  const introspection = env.HMS_GATEWAY_INTROSPECTION ?? env.NODE_ENV !== 'production';
  if (env.HMS_GATEWAY_PLAYGROUND && !introspection) {
    throw new ConfigError([
      'HMS_GATEWAY_PLAYGROUND: the playground needs schema introspection; set HMS_GATEWAY_INTROSPECTION=true too, ' +
        'or leave HMS_GATEWAY_PLAYGROUND unset',
    ]);
  }
  if (env.HMS_GATEWAY_PLAYGROUND && env.HMS_GATEWAY_TRUSTED_DOCUMENTS) {
    throw new ConfigError([
      'HMS_GATEWAY_PLAYGROUND: with HMS_GATEWAY_TRUSTED_DOCUMENTS only listed operations run, so the playground ' +
        'cannot work; leave HMS_GATEWAY_PLAYGROUND unset',
    ]);
  }
  return env.HMS_GATEWAY_PLAYGROUND ?? (introspection && !env.HMS_GATEWAY_TRUSTED_DOCUMENTS);
}
