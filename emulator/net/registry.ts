/**
 * The virtual internet's directory: which service answers at which address and port — the HTTP,
 * echo, stream and NTP servers of `services.ts` (micropython.org with the package index of
 * `package-index.ts`), the MQTT broker of `mqtt.ts` (plain on 1883,
 * over TLS on 8883) and the HTTPS hosts of `world.ts`'s TLS_HOSTS behind `tls.ts`. The stack
 * (`ip.ts`, `tcp-far.ts`, `tcp-udp.ts`) looks services up here; no service imports this file.
 *
 * Sources: the lab's own world (addresses on TEST-NET-3, `world.ts`).
 */
import type { TcpService, UdpService } from './service.ts';
import { bigRoutes, echoService, exampleRoutes, httpbinRoutes, httpService, impostorRoutes, micropythonRoutes, ntpService, streamService, type HttpRoute } from './services.ts';
import { mqttBroker } from './mqtt.ts';
import { tlsService } from './tls.ts';
import { TLS_HOSTS, type TlsHost } from './world.ts';
import { githubRawRoutes, packageIndexRoutes } from './package-index.ts';

/** micropython.org: the tutorial's page and the package index `mip` installs from (package-index.ts). */
const micropythonOrg: HttpRoute = (req) => micropythonRoutes(req) ?? packageIndexRoutes(req);

const MQTT_TLS: TlsHost = { name: 'test.mosquitto.org', kex: ['RSA', 'ECDHE'], certChainBytes: 2400, recordBytes: 1024, certSubject: 'CN=test.mosquitto.org', certIssuer: 'CN=Lab Virtual CA' };

/** TCP services by address and port. */
export const TCP_SERVICES: Readonly<Record<string, Readonly<Record<number, TcpService>>>> = withExtras({
  '203.0.113.10': { 80: httpService(exampleRoutes) },
  '203.0.113.80': { 80: httpService(micropythonOrg) },
  '203.0.113.81': { 80: httpService(httpbinRoutes) },
  '203.0.113.7': { 7: echoService, 1234: echoService },
  '203.0.113.23': { 23: streamService },
});

function withExtras(base: Record<string, Record<number, TcpService>>): Record<string, Record<number, TcpService>> {
  for (const [ip, ports] of Object.entries(extraServices())) base[ip] = { ...(base[ip] ?? {}), ...ports };
  return base;
}

/** The MQTT broker (mqtt.ts) and the TLS hosts (tls.ts, world.ts TLS_HOSTS). */
function extraServices(): Record<string, Record<number, TcpService>> {
  const plain: Record<string, HttpRoute> = { '203.0.113.10': exampleRoutes, '203.0.113.81': httpbinRoutes, '203.0.113.90': exampleRoutes, '203.0.113.91': bigRoutes, '203.0.113.66': impostorRoutes, '203.0.113.80': micropythonOrg, '203.0.113.85': githubRawRoutes };
  const out: Record<string, Record<number, TcpService>> = { '203.0.113.83': { 1883: mqttBroker, 8883: tlsService(MQTT_TLS, mqttBroker) } };
  for (const [ip, host] of Object.entries(TLS_HOSTS)) out[ip] = { 443: tlsService(host, httpService(plain[ip] ?? exampleRoutes)) };
  return out;
}

/** UDP services by address and port. */
export const UDP_SERVICES: Readonly<Record<string, Readonly<Record<number, UdpService>>>> = {
  '203.0.113.123': { 123: ntpService },
  '203.0.113.124': { 123: ntpService },
};
