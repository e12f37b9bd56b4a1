/**
 * The firmware files of the site's builds (emulator/firmware/builds.ts), written into the built site at
 * `/firmware/<release file name>` so that the Flash panel fetches them from the site's own origin
 * and a learner can download one, as from micropython.org. Each file is complete: image,
 * padding, irom0 and the MD5 trailer that `esp.check_fw()` verifies.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { buildFirmware, FIRMWARE_BUILDS, sealFirmware } from '../../../emulator/firmware/builds.ts';
import { md5 } from '../../../emulator/rom/md5.ts';

export const getStaticPaths = (() => FIRMWARE_BUILDS.map((build) => ({ params: { file: build.file } }))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ params }) => {
  const build = FIRMWARE_BUILDS.find((b) => b.file === params.file);
  if (!build) return new Response('no such firmware', { status: 404 });
  const fw = buildFirmware(build.id);
  sealFirmware(fw.bytes, fw.length, md5);
  return new Response(fw.bytes.buffer as ArrayBuffer, { headers: { 'Content-Type': 'application/octet-stream' } });
};
