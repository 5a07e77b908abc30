/**
 * The one video source and the two media profiles (main and sub stream) every fake camera has.
 * Both profiles share the video source configuration, as on most real cameras.
 */

export interface VideoSourceSpec {
  readonly token: string;
  readonly configurationToken: string;
  readonly width: number;
  readonly height: number;
  readonly framerate: number;
}

export interface MediaProfileSpec {
  readonly token: string;
  readonly name: string;
  readonly encoderToken: string;
  readonly encoding: 'H264';
  readonly width: number;
  readonly height: number;
  readonly framerate: number;
  readonly bitrateKbps: number;
  readonly govLength: number;
}

export const VIDEO_SOURCE: VideoSourceSpec = {
  token: 'VideoSource_1',
  configurationToken: 'VideoSourceConfig_1',
  width: 1920,
  height: 1080,
  framerate: 25,
};

export const MEDIA_PROFILES: readonly MediaProfileSpec[] = [
  { token: 'Profile_1', name: 'MainStream', encoderToken: 'VideoEncoder_1', encoding: 'H264', width: 1920, height: 1080, framerate: 25, bitrateKbps: 4096, govLength: 50 },
  { token: 'Profile_2', name: 'SubStream', encoderToken: 'VideoEncoder_2', encoding: 'H264', width: 640, height: 360, framerate: 15, bitrateKbps: 512, govLength: 30 },
];

export function findProfile(token: string): MediaProfileSpec | undefined {
  return MEDIA_PROFILES.find((p) => p.token === token);
}
