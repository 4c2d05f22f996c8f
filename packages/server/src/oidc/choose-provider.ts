import type { Config } from '../config/parse.js';
import { PROVIDER_ID } from '../config/providers.js';
import { redirect } from '../http/respond.js';
import { LoginParamInvalidError } from '../errors.js';
import { requestTarget } from '../http/target.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import type { ProviderContext, Providers } from '../provider/providers.js';
import { choicePage } from './pages.js';
import { returnTarget } from './return-to.js';

type Login = (request: GatehouseRequest) => Promise<GatehouseResponse>;

/**
 * `GET /login` with several providers (docs/tenants.md): `provider=<id>` signs in there (an
 * unknown id is a 400 page); else `login_hint=<email>` at the provider whose `domains` hold the
 * email's domain (home-realm discovery; the hint still goes to it); else a page to choose,
 * each link this request with `provider` added; a silent sign-in (`prompt=none`), which cannot
 * ask, returns signed out. One provider: straight to it, as before.
 */
export function providerLogin(
  config: Config,
  providers: Providers,
  loginAt: (provider: ProviderContext) => Login,
): Login {
  const logins = new WeakMap<ProviderContext, Login>();
  const loginOf = (provider: ProviderContext): Login => {
    let login = logins.get(provider);
    if (!login) logins.set(provider, (login = loginAt(provider)));
    return login;
  };

  return async function login(request) {
    const { query } = requestTarget(request);
    const id = query.get('provider');
    if (id !== null) {
      const provider = PROVIDER_ID.test(id) ? await providers.get(id) : undefined;
      if (!provider) {
        throw new LoginParamInvalidError(
          'There is no sign-in provider of that name.',
          `provider ${JSON.stringify(id.slice(0, 40))} unknown`,
        );
      }
      return loginOf(provider)(request);
    }
    if (!providers.several) return loginOf(providers.default)(request);
    const hint = query.get('login_hint');
    const homeRealm = hint === null ? undefined : providers.byEmail(hint);
    if (homeRealm) return loginOf(homeRealm)(request);
    if (query.get('prompt') === 'none') return signedOut(config, query.get('returnTo'));
    return choicePage(
      providers.configured.map((provider) => {
        const choice = new URLSearchParams(query);
        choice.set('provider', provider.id);
        return {
          href: `?${choice}`,
          name: provider.settings.displayName,
        };
      }),
    );
  };
}

/** Where a silent sign-in with no provider chosen returns: signed out, the SDK's marker set. */
function signedOut(config: Config, returnTo: string | null): GatehouseResponse {
  const target = returnTarget(returnTo, config.frontends);
  const frontend = target.frontend ?? config.frontends[0]!;
  const url = new URL(target.path === '/' ? frontend.url.href : frontend.origin + target.path);
  url.hash = 'gatehouse=signed-out';
  return redirect(url.href, { 'referrer-policy': 'no-referrer' });
}
