/**
 * Ladder → MediaLive EncoderSettings. Pure. Equivalent to the reference's per-profile JSON
 * (aws-solutions/live-streaming-on-aws, encoding-profiles/hd-720p.json): one video description,
 * one audio description and one HLS output per rendition, in a single HLS output group.
 */
import type {
  ArchiveGroupSettings,
  AudioDescription,
  M2tsSettings,
  EncoderSettings,
  H264Level,
  H264Profile,
  HlsCdnSettings,
  HlsGroupSettings,
  Output,
  OutputGroup,
  VideoDescription,
} from '@aws-sdk/client-medialive';
import type { AudioSettings, HlsSettings, Ladder, Rendition } from '../../../core/ladder.js';
import { renditionName } from '../../../core/ladder.js';
import { LivestreamError } from '../../../core/errors.js';
import { RECORDINGS_DESTINATION_ID, ROLLOVER_SECONDS } from './recording.js';

export type OriginKindForEncoder = 's3' | 'mediastore';

/** The channel's one destination; channel.ts declares it with the same id. */
export const DESTINATION_ID = 'destination1';

/** `record`: the rendition an archive output group records (#13), from the encode the HLS output already makes. */
export function buildEncoderSettings(ladder: Ladder, destination: { kind: OriginKindForEncoder }, record?: Rendition): EncoderSettings {
  // The reference lists renditions from the lowest up, so the first variant of the master
  // playlist (where many players start) is the cheapest one and playback starts fast.
  const renditions = [...ladder.renditions].reverse();
  return {
    AudioDescriptions: renditions.map((r) => buildAudioDescription(r, ladder.audio)),
    AvailConfiguration: {
      AvailSettings: { Scte35SpliceInsert: { WebDeliveryAllowedFlag: 'FOLLOW', NoRegionalBlackoutFlag: 'FOLLOW' } },
    },
    CaptionDescriptions: [],
    OutputGroups: [
      {
        Name: 'hls',
        OutputGroupSettings: { HlsGroupSettings: buildHlsGroupSettings(ladder.hls, destination.kind) },
        Outputs: renditions.map(buildOutput),
      },
      ...(record ? [buildRecordingGroup(record)] : []),
    ],
    TimecodeConfig: { Source: 'EMBEDDED' },
    VideoDescriptions: renditions.map(buildVideoDescription),
  };
}

export function audioDescriptionName(r: Pick<Rendition, 'width' | 'height'>): string {
  return `audio${renditionName(r)}`;
}

/** Ladder level "auto" / "3.1" / "4" → MediaLive's H264_LEVEL_AUTO / H264_LEVEL_3_1 / H264_LEVEL_4. */
export function toH264Level(level: string): H264Level {
  if (level === 'auto') return 'H264_LEVEL_AUTO';
  const m = /^([1-5])(?:\.([0-2]))?$/.exec(level);
  if (m) {
    const minor = m[2] && m[2] !== '0' ? `_${m[2]}` : '';
    const value = `H264_LEVEL_${m[1]}${minor}`;
    if (LEVELS.includes(value)) return value as H264Level;
  }
  throw new LivestreamError('LADDER_INVALID', `H.264 level "${level}" is not offered by MediaLive`, {
    hint: 'use "auto" or one of 1, 1.1, 1.2, 1.3, 2, 2.1, 2.2, 3, 3.1, 3.2, 4, 4.1, 4.2, 5, 5.1, 5.2',
  });
}

const LEVELS = [
  'H264_LEVEL_1', 'H264_LEVEL_1_1', 'H264_LEVEL_1_2', 'H264_LEVEL_1_3', 'H264_LEVEL_2', 'H264_LEVEL_2_1',
  'H264_LEVEL_2_2', 'H264_LEVEL_3', 'H264_LEVEL_3_1', 'H264_LEVEL_3_2', 'H264_LEVEL_4', 'H264_LEVEL_4_1',
  'H264_LEVEL_4_2', 'H264_LEVEL_5', 'H264_LEVEL_5_1', 'H264_LEVEL_5_2',
];

function buildVideoDescription(r: Rendition): VideoDescription {
  const fps = toFraction(r.framerate);
  return {
    CodecSettings: {
      H264Settings: {
        AfdSignaling: 'NONE',
        ColorMetadata: 'INSERT',
        AdaptiveQuantization: 'HIGH',
        Bitrate: r.bitrate,
        BufSize: 2 * r.bitrate,
        BufFillPct: 90,
        EntropyEncoding: r.profile === 'baseline' ? 'CAVLC' : 'CABAC', // Baseline has no CABAC.
        FlickerAq: 'ENABLED',
        FramerateControl: 'SPECIFIED',
        FramerateNumerator: fps.numerator,
        FramerateDenominator: fps.denominator,
        GopBReference: 'ENABLED',
        GopClosedCadence: 1,
        // Baseline has no B-frames; for Main/High, 2 is MediaLive's own default.
        GopNumBFrames: r.profile === 'baseline' ? 0 : 2,
        GopSize: r.gopSeconds,
        GopSizeUnits: 'SECONDS',
        SubgopLength: 'DYNAMIC',
        ScanType: 'PROGRESSIVE',
        Level: toH264Level(r.level),
        LookAheadRateControl: 'HIGH',
        MaxBitrate: r.maxBitrate,
        NumRefFrames: 5,
        ParControl: 'INITIALIZE_FROM_SOURCE',
        Profile: r.profile.toUpperCase() as H264Profile,
        RateControlMode: 'QVBR',
        QvbrQualityLevel: r.qvbrQuality,
        Syntax: 'DEFAULT',
        SceneChangeDetect: 'ENABLED',
        SpatialAq: 'ENABLED',
        TemporalAq: 'ENABLED',
        TimecodeInsertion: 'DISABLED',
      },
    },
    Height: r.height,
    Name: renditionName(r),
    RespondToAfd: 'NONE',
    Sharpness: 100,
    ScalingBehavior: 'DEFAULT',
    Width: r.width,
  };
}

function buildAudioDescription(r: Rendition, audio: AudioSettings): AudioDescription {
  return {
    CodecSettings: {
      AacSettings: {
        InputType: 'NORMAL',
        Bitrate: audio.bitrate,
        CodingMode: audio.channels === 1 ? 'CODING_MODE_1_0' : 'CODING_MODE_2_0',
        RawFormat: 'NONE',
        Spec: 'MPEG4',
        Profile: 'LC',
        RateControlMode: 'CBR',
        SampleRate: audio.sampleRate,
      },
    },
    AudioTypeControl: 'FOLLOW_INPUT',
    LanguageCodeControl: 'FOLLOW_INPUT',
    // No audio selector is declared on the input, as in the reference: "default" then follows the
    // input's first audio track.
    AudioSelectorName: 'default',
    Name: audioDescriptionName(r),
  };
}

function buildOutput(r: Rendition): Output {
  const name = renditionName(r);
  return {
    OutputSettings: {
      HlsOutputSettings: {
        NameModifier: name,
        // A timestamp in every segment name: segment numbers restart with the channel, and the edge
        // caches segments for days, so a reused name would replay an old segment after a restart.
        SegmentModifier: '_$t$_',
        HlsSettings: {
          StandardHlsSettings: {
            M3u8Settings: {
              AudioFramesPerPes: 4,
              AudioPids: '492-498',
              NielsenId3Behavior: 'NO_PASSTHROUGH',
              PcrControl: 'PCR_EVERY_PES_PACKET',
              PmtPid: '480',
              ProgramNum: 1,
              Scte35Pid: '500',
              Scte35Behavior: 'PASSTHROUGH',
              TimedMetadataPid: '502',
              TimedMetadataBehavior: 'NO_PASSTHROUGH',
              VideoPid: '481',
            },
            AudioRenditionSets: 'program_audio',
          },
        },
        H265PackagingType: 'HVC1',
      },
    },
    OutputName: name,
    VideoDescriptionName: name,
    AudioDescriptionNames: [audioDescriptionName(r)],
    CaptionDescriptionNames: [],
  };
}

/** The transport stream of the HLS outputs (same PIDs), so a recording demuxes like the live stream. */
const RECORDING_M2TS: M2tsSettings = {
  AudioFramesPerPes: 4,
  AudioPids: '492-498',
  PcrControl: 'PCR_EVERY_PES_PACKET',
  PmtPid: '480',
  ProgramNum: 1,
  Scte35Pid: '500',
  Scte35Control: 'PASSTHROUGH',
  TimedMetadataPid: '502',
  VideoPid: '481',
  // A lost input keeps the file going with silent audio instead of an audio gap a player trips on.
  AbsentInputAudioBehavior: 'ENCODE_SILENCE',
};

/**
 * The recording: an Archive output group with one output that names the rendition's existing
 * video and audio descriptions, so MediaLive reuses that encode for a second output group
 * instead of encoding again (an encode may be shared by outputs of different groups: MediaLive
 * UG, "Organize encodes in an Archive output group"). No canned ACL: the recordings bucket
 * enforces bucket-owner ownership (ACLs disabled), as the origin does.
 */
function buildRecordingGroup(r: Rendition): OutputGroup {
  const name = renditionName(r);
  const settings: ArchiveGroupSettings = {
    Destination: { DestinationRefId: RECORDINGS_DESTINATION_ID },
    RolloverInterval: ROLLOVER_SECONDS,
    ArchiveCdnSettings: { ArchiveS3Settings: {} },
  };
  return {
    Name: 'recording',
    OutputGroupSettings: { ArchiveGroupSettings: settings },
    Outputs: [
      {
        OutputName: `recording${name}`,
        VideoDescriptionName: name,
        AudioDescriptionNames: [audioDescriptionName(r)],
        CaptionDescriptionNames: [],
        OutputSettings: { ArchiveOutputSettings: { NameModifier: name, Extension: 'ts', ContainerSettings: { M2tsSettings: RECORDING_M2TS } } },
      },
    ],
  };
}

function buildHlsGroupSettings(hls: HlsSettings, kind: OriginKindForEncoder): HlsGroupSettings {
  return {
    AdMarkers: ['ELEMENTAL_SCTE35'],
    CaptionLanguageSetting: 'OMIT',
    CaptionLanguageMappings: [],
    InputLossAction: 'EMIT_OUTPUT',
    ManifestCompression: 'NONE',
    Destination: { DestinationRefId: DESTINATION_ID },
    HlsCdnSettings: buildCdnSettings(kind),
    IvInManifest: 'INCLUDE',
    IvSource: 'FOLLOWS_SEGMENT_NUMBER',
    ClientCache: 'ENABLED',
    TsFileMode: 'SEGMENTED_FILES',
    ManifestDurationFormat: 'FLOATING_POINT',
    SegmentationMode: 'USE_SEGMENT_DURATION',
    RedundantManifest: 'DISABLED',
    OutputSelection: 'MANIFESTS_AND_SEGMENTS',
    StreamInfResolution: 'INCLUDE',
    IFrameOnlyPlaylists: 'DISABLED',
    IndexNSegments: hls.playlistSize,
    // EXT-X-PROGRAM-DATE-TIME on every segment (the period is one segment: a longer one can leave a
    // sliding window with no tag at all), so the player shows the viewer's delay behind real time.
    // SYSTEM_CLOCK, not INITIALIZE_FROM_OUTPUT_TIMECODE: the output timecode here is the source's
    // embedded one (TimecodeConfig EMBEDDED above), which an encoder may not send or may set to
    // anything (00:00:00:00 at start), while the system clock is UTC and MediaLive puts it back
    // whenever the PDT drifts more than 500 ms from it (HlsGroupSettings.ProgramDateTimeClock).
    // It dates a segment when MediaLive encodes it, so the contribution leg is not counted.
    ProgramDateTime: 'INCLUDE',
    ProgramDateTimeClock: 'SYSTEM_CLOCK',
    ProgramDateTimePeriod: hls.segmentSeconds,
    KeepSegments: hls.keepSegments,
    SegmentLength: hls.segmentSeconds,
    TimedMetadataId3Frame: 'PRIV',
    TimedMetadataId3Period: 10,
    HlsId3SegmentTagging: 'DISABLED',
    CodecSpecification: 'RFC_4281',
    DirectoryStructure: 'SINGLE_DIRECTORY',
    SegmentsPerSubdirectory: 10000,
    Mode: 'LIVE',
  };
}

function buildCdnSettings(kind: OriginKindForEncoder): HlsCdnSettings {
  if (kind === 'mediastore') {
    // The CDN settings MediaLive defines for a mediastoressl:// destination (HlsMediaStoreSettings;
    // basic PUT is for generic HTTP servers). TEMPORAL keeps segments in MediaStore's fast,
    // non-persistent tier, which is what live segments need. Retries and cache as before, within the
    // model's ranges (FilecacheDuration 0-600, RestartDelay 0-15).
    return {
      HlsMediaStoreSettings: { MediaStoreStorageClass: 'TEMPORAL', ConnectionRetryInterval: 30, FilecacheDuration: 300, NumRetries: 5, RestartDelay: 5 },
    };
  }
  // No CannedAcl: the origin bucket enforces bucket-owner ownership (ACLs disabled) and is read
  // only by CloudFront through origin access control, so an ACL would at best be ignored.
  return { HlsS3Settings: {} };
}

/** 30 → 30/1; 29.97 → 30000/1001; 23.976 → 24000/1001; other fractions to 1/1000 precision. */
export function toFraction(fps: number): { numerator: number; denominator: number } {
  if (Number.isInteger(fps)) return { numerator: fps, denominator: 1 };
  const ntsc = Math.round(fps * 1.001);
  if (Math.abs(ntsc / 1.001 - fps) < 0.005) return { numerator: ntsc * 1000, denominator: 1001 };
  return { numerator: Math.round(fps * 1000), denominator: 1000 };
}
