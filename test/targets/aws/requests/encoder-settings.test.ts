import { describe, expect, it } from 'vitest';
import { buildEncoderSettings, toFraction, toH264Level } from '../../../../src/targets/aws/requests/encoder-settings.js';
import { loadProfile } from '../../../../src/core/profiles.js';
import type { Ladder } from '../../../../src/core/ladder.js';

// The reference's hd-720p.json with the ladder's values (2 s GOP, 4 s segments), written out in full;
// H.264 High with CABAC and 2 B-frames where the reference has Baseline (see profiles/ and the README's Ladders).
const EXPECTED_HD_720P_S3 = {
  AudioDescriptions: [
      {
        CodecSettings: {
          AacSettings: {
            InputType: 'NORMAL',
            Bitrate: 96000,
            CodingMode: 'CODING_MODE_2_0',
            RawFormat: 'NONE',
            Spec: 'MPEG4',
            Profile: 'LC',
            RateControlMode: 'CBR',
            SampleRate: 48000,
          },
        },
        AudioTypeControl: 'FOLLOW_INPUT',
        LanguageCodeControl: 'FOLLOW_INPUT',
        AudioSelectorName: 'default',
        Name: 'audio_512x288',
      },
      {
        CodecSettings: {
          AacSettings: {
            InputType: 'NORMAL',
            Bitrate: 96000,
            CodingMode: 'CODING_MODE_2_0',
            RawFormat: 'NONE',
            Spec: 'MPEG4',
            Profile: 'LC',
            RateControlMode: 'CBR',
            SampleRate: 48000,
          },
        },
        AudioTypeControl: 'FOLLOW_INPUT',
        LanguageCodeControl: 'FOLLOW_INPUT',
        AudioSelectorName: 'default',
        Name: 'audio_640x360',
      },
      {
        CodecSettings: {
          AacSettings: {
            InputType: 'NORMAL',
            Bitrate: 96000,
            CodingMode: 'CODING_MODE_2_0',
            RawFormat: 'NONE',
            Spec: 'MPEG4',
            Profile: 'LC',
            RateControlMode: 'CBR',
            SampleRate: 48000,
          },
        },
        AudioTypeControl: 'FOLLOW_INPUT',
        LanguageCodeControl: 'FOLLOW_INPUT',
        AudioSelectorName: 'default',
        Name: 'audio_768x432',
      },
      {
        CodecSettings: {
          AacSettings: {
            InputType: 'NORMAL',
            Bitrate: 96000,
            CodingMode: 'CODING_MODE_2_0',
            RawFormat: 'NONE',
            Spec: 'MPEG4',
            Profile: 'LC',
            RateControlMode: 'CBR',
            SampleRate: 48000,
          },
        },
        AudioTypeControl: 'FOLLOW_INPUT',
        LanguageCodeControl: 'FOLLOW_INPUT',
        AudioSelectorName: 'default',
        Name: 'audio_960x540',
      },
      {
        CodecSettings: {
          AacSettings: {
            InputType: 'NORMAL',
            Bitrate: 96000,
            CodingMode: 'CODING_MODE_2_0',
            RawFormat: 'NONE',
            Spec: 'MPEG4',
            Profile: 'LC',
            RateControlMode: 'CBR',
            SampleRate: 48000,
          },
        },
        AudioTypeControl: 'FOLLOW_INPUT',
        LanguageCodeControl: 'FOLLOW_INPUT',
        AudioSelectorName: 'default',
        Name: 'audio_1280x720',
      },
  ],
  AvailConfiguration: {
    AvailSettings: { Scte35SpliceInsert: { WebDeliveryAllowedFlag: 'FOLLOW', NoRegionalBlackoutFlag: 'FOLLOW' } },
  },
  CaptionDescriptions: [],
  OutputGroups: [
    {
      Name: 'hls',
      OutputGroupSettings: {
        HlsGroupSettings: {
          AdMarkers: ['ELEMENTAL_SCTE35'],
          CaptionLanguageSetting: 'OMIT',
          CaptionLanguageMappings: [],
          InputLossAction: 'EMIT_OUTPUT',
          ManifestCompression: 'NONE',
          Destination: { DestinationRefId: 'destination1' },
          HlsCdnSettings: { HlsS3Settings: {} },
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
          IndexNSegments: 10,
          ProgramDateTime: 'INCLUDE',
          ProgramDateTimeClock: 'SYSTEM_CLOCK',
          ProgramDateTimePeriod: 4,
          KeepSegments: 21,
          SegmentLength: 4,
          TimedMetadataId3Frame: 'PRIV',
          TimedMetadataId3Period: 10,
          HlsId3SegmentTagging: 'DISABLED',
          CodecSpecification: 'RFC_4281',
          DirectoryStructure: 'SINGLE_DIRECTORY',
          SegmentsPerSubdirectory: 10000,
          Mode: 'LIVE',
        },
      },
      Outputs: [
          {
            OutputSettings: {
              HlsOutputSettings: {
                NameModifier: '_512x288',
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
            OutputName: '_512x288',
            VideoDescriptionName: '_512x288',
            AudioDescriptionNames: ['audio_512x288'],
            CaptionDescriptionNames: [],
          },
          {
            OutputSettings: {
              HlsOutputSettings: {
                NameModifier: '_640x360',
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
            OutputName: '_640x360',
            VideoDescriptionName: '_640x360',
            AudioDescriptionNames: ['audio_640x360'],
            CaptionDescriptionNames: [],
          },
          {
            OutputSettings: {
              HlsOutputSettings: {
                NameModifier: '_768x432',
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
            OutputName: '_768x432',
            VideoDescriptionName: '_768x432',
            AudioDescriptionNames: ['audio_768x432'],
            CaptionDescriptionNames: [],
          },
          {
            OutputSettings: {
              HlsOutputSettings: {
                NameModifier: '_960x540',
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
            OutputName: '_960x540',
            VideoDescriptionName: '_960x540',
            AudioDescriptionNames: ['audio_960x540'],
            CaptionDescriptionNames: [],
          },
          {
            OutputSettings: {
              HlsOutputSettings: {
                NameModifier: '_1280x720',
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
            OutputName: '_1280x720',
            VideoDescriptionName: '_1280x720',
            AudioDescriptionNames: ['audio_1280x720'],
            CaptionDescriptionNames: [],
          },
      ],
    },
  ],
  TimecodeConfig: { Source: 'EMBEDDED' },
  VideoDescriptions: [
      {
        CodecSettings: {
          H264Settings: {
            AfdSignaling: 'NONE',
            ColorMetadata: 'INSERT',
            AdaptiveQuantization: 'HIGH',
            Bitrate: 400000,
            BufSize: 800000,
            BufFillPct: 90,
            EntropyEncoding: 'CABAC',
            FlickerAq: 'ENABLED',
            FramerateControl: 'SPECIFIED',
            FramerateNumerator: 15,
            FramerateDenominator: 1,
            GopBReference: 'ENABLED',
            GopClosedCadence: 1,
            GopNumBFrames: 2,
            GopSize: 2,
            GopSizeUnits: 'SECONDS',
            SubgopLength: 'DYNAMIC',
            ScanType: 'PROGRESSIVE',
            Level: 'H264_LEVEL_AUTO',
            LookAheadRateControl: 'HIGH',
            MaxBitrate: 400000,
            NumRefFrames: 5,
            ParControl: 'INITIALIZE_FROM_SOURCE',
            Profile: 'HIGH',
            RateControlMode: 'QVBR',
            QvbrQualityLevel: 6,
            Syntax: 'DEFAULT',
            SceneChangeDetect: 'ENABLED',
            SpatialAq: 'ENABLED',
            TemporalAq: 'ENABLED',
            TimecodeInsertion: 'DISABLED',
          },
        },
        Height: 288,
        Name: '_512x288',
        RespondToAfd: 'NONE',
        Sharpness: 100,
        ScalingBehavior: 'DEFAULT',
        Width: 512,
      },
      {
        CodecSettings: {
          H264Settings: {
            AfdSignaling: 'NONE',
            ColorMetadata: 'INSERT',
            AdaptiveQuantization: 'HIGH',
            Bitrate: 800000,
            BufSize: 1600000,
            BufFillPct: 90,
            EntropyEncoding: 'CABAC',
            FlickerAq: 'ENABLED',
            FramerateControl: 'SPECIFIED',
            FramerateNumerator: 30,
            FramerateDenominator: 1,
            GopBReference: 'ENABLED',
            GopClosedCadence: 1,
            GopNumBFrames: 2,
            GopSize: 2,
            GopSizeUnits: 'SECONDS',
            SubgopLength: 'DYNAMIC',
            ScanType: 'PROGRESSIVE',
            Level: 'H264_LEVEL_AUTO',
            LookAheadRateControl: 'HIGH',
            MaxBitrate: 800000,
            NumRefFrames: 5,
            ParControl: 'INITIALIZE_FROM_SOURCE',
            Profile: 'HIGH',
            RateControlMode: 'QVBR',
            QvbrQualityLevel: 7,
            Syntax: 'DEFAULT',
            SceneChangeDetect: 'ENABLED',
            SpatialAq: 'ENABLED',
            TemporalAq: 'ENABLED',
            TimecodeInsertion: 'DISABLED',
          },
        },
        Height: 360,
        Name: '_640x360',
        RespondToAfd: 'NONE',
        Sharpness: 100,
        ScalingBehavior: 'DEFAULT',
        Width: 640,
      },
      {
        CodecSettings: {
          H264Settings: {
            AfdSignaling: 'NONE',
            ColorMetadata: 'INSERT',
            AdaptiveQuantization: 'HIGH',
            Bitrate: 1200000,
            BufSize: 2400000,
            BufFillPct: 90,
            EntropyEncoding: 'CABAC',
            FlickerAq: 'ENABLED',
            FramerateControl: 'SPECIFIED',
            FramerateNumerator: 30,
            FramerateDenominator: 1,
            GopBReference: 'ENABLED',
            GopClosedCadence: 1,
            GopNumBFrames: 2,
            GopSize: 2,
            GopSizeUnits: 'SECONDS',
            SubgopLength: 'DYNAMIC',
            ScanType: 'PROGRESSIVE',
            Level: 'H264_LEVEL_AUTO',
            LookAheadRateControl: 'HIGH',
            MaxBitrate: 1200000,
            NumRefFrames: 5,
            ParControl: 'INITIALIZE_FROM_SOURCE',
            Profile: 'HIGH',
            RateControlMode: 'QVBR',
            QvbrQualityLevel: 7,
            Syntax: 'DEFAULT',
            SceneChangeDetect: 'ENABLED',
            SpatialAq: 'ENABLED',
            TemporalAq: 'ENABLED',
            TimecodeInsertion: 'DISABLED',
          },
        },
        Height: 432,
        Name: '_768x432',
        RespondToAfd: 'NONE',
        Sharpness: 100,
        ScalingBehavior: 'DEFAULT',
        Width: 768,
      },
      {
        CodecSettings: {
          H264Settings: {
            AfdSignaling: 'NONE',
            ColorMetadata: 'INSERT',
            AdaptiveQuantization: 'HIGH',
            Bitrate: 1800000,
            BufSize: 3600000,
            BufFillPct: 90,
            EntropyEncoding: 'CABAC',
            FlickerAq: 'ENABLED',
            FramerateControl: 'SPECIFIED',
            FramerateNumerator: 30,
            FramerateDenominator: 1,
            GopBReference: 'ENABLED',
            GopClosedCadence: 1,
            GopNumBFrames: 2,
            GopSize: 2,
            GopSizeUnits: 'SECONDS',
            SubgopLength: 'DYNAMIC',
            ScanType: 'PROGRESSIVE',
            Level: 'H264_LEVEL_AUTO',
            LookAheadRateControl: 'HIGH',
            MaxBitrate: 1800000,
            NumRefFrames: 5,
            ParControl: 'INITIALIZE_FROM_SOURCE',
            Profile: 'HIGH',
            RateControlMode: 'QVBR',
            QvbrQualityLevel: 7,
            Syntax: 'DEFAULT',
            SceneChangeDetect: 'ENABLED',
            SpatialAq: 'ENABLED',
            TemporalAq: 'ENABLED',
            TimecodeInsertion: 'DISABLED',
          },
        },
        Height: 540,
        Name: '_960x540',
        RespondToAfd: 'NONE',
        Sharpness: 100,
        ScalingBehavior: 'DEFAULT',
        Width: 960,
      },
      {
        CodecSettings: {
          H264Settings: {
            AfdSignaling: 'NONE',
            ColorMetadata: 'INSERT',
            AdaptiveQuantization: 'HIGH',
            Bitrate: 2700000,
            BufSize: 5400000,
            BufFillPct: 90,
            EntropyEncoding: 'CABAC',
            FlickerAq: 'ENABLED',
            FramerateControl: 'SPECIFIED',
            FramerateNumerator: 30,
            FramerateDenominator: 1,
            GopBReference: 'ENABLED',
            GopClosedCadence: 1,
            GopNumBFrames: 2,
            GopSize: 2,
            GopSizeUnits: 'SECONDS',
            SubgopLength: 'DYNAMIC',
            ScanType: 'PROGRESSIVE',
            Level: 'H264_LEVEL_AUTO',
            LookAheadRateControl: 'HIGH',
            MaxBitrate: 2700000,
            NumRefFrames: 5,
            ParControl: 'INITIALIZE_FROM_SOURCE',
            Profile: 'HIGH',
            RateControlMode: 'QVBR',
            QvbrQualityLevel: 8,
            Syntax: 'DEFAULT',
            SceneChangeDetect: 'ENABLED',
            SpatialAq: 'ENABLED',
            TemporalAq: 'ENABLED',
            TimecodeInsertion: 'DISABLED',
          },
        },
        Height: 720,
        Name: '_1280x720',
        RespondToAfd: 'NONE',
        Sharpness: 100,
        ScalingBehavior: 'DEFAULT',
        Width: 1280,
      },
  ],
};

describe('buildEncoderSettings', () => {
  it('turns HD-720p into the reference settings for an S3 origin', async () => {
    const ladder = await loadProfile('HD-720p');
    expect(buildEncoderSettings(ladder, { kind: 's3' })).toEqual(EXPECTED_HD_720P_S3);
  });

  it('gives a MediaStore destination the MediaStore CDN settings (HlsMediaStoreSettings, TEMPORAL storage)', async () => {
    const ladder = await loadProfile('HD-720p');
    const group = EXPECTED_HD_720P_S3.OutputGroups[0]!;
    expect(buildEncoderSettings(ladder, { kind: 'mediastore' })).toEqual({
      ...EXPECTED_HD_720P_S3,
      OutputGroups: [
        {
          ...group,
          OutputGroupSettings: {
            HlsGroupSettings: {
              ...group.OutputGroupSettings.HlsGroupSettings,
              HlsCdnSettings: {
                HlsMediaStoreSettings: { MediaStoreStorageClass: 'TEMPORAL', ConnectionRetryInterval: 30, FilecacheDuration: 300, NumRetries: 5, RestartDelay: 5 },
              },
            },
          },
        },
      ],
    });
  });

  it('HD-1080p has six renditions ending with 1920x1080 at 4.1 Mb/s, QVBR 8', async () => {
    const s = buildEncoderSettings(await loadProfile('HD-1080p'), { kind: 's3' });
    expect(s.VideoDescriptions!.map((v) => v.Name)).toEqual(['_512x288', '_640x360', '_768x432', '_960x540', '_1280x720', '_1920x1080']);
    const top = s.VideoDescriptions![5]!;
    expect([top.Width, top.Height]).toEqual([1920, 1080]);
    expect(top.CodecSettings!.H264Settings).toMatchObject({ Bitrate: 4100000, MaxBitrate: 4100000, BufSize: 8200000, QvbrQualityLevel: 8, Profile: 'HIGH', EntropyEncoding: 'CABAC', GopNumBFrames: 2 });
    expect(s.OutputGroups![0]!.Outputs!.map((o) => o.OutputName)).toEqual(s.VideoDescriptions!.map((v) => v.Name));
    expect(s.AudioDescriptions).toHaveLength(6);
  });

  it('SD-540p has four renditions, 288p at 15 fps with QVBR 6', async () => {
    const s = buildEncoderSettings(await loadProfile('SD-540p'), { kind: 's3' });
    expect(s.VideoDescriptions!.map((v) => v.Name)).toEqual(['_512x288', '_640x360', '_768x432', '_960x540']);
    expect(s.VideoDescriptions![0]!.CodecSettings!.H264Settings).toMatchObject({ FramerateNumerator: 15, FramerateDenominator: 1, QvbrQualityLevel: 6, Bitrate: 400000 });
    expect(s.OutputGroups![0]!.OutputGroupSettings!.HlsGroupSettings).toMatchObject({ SegmentLength: 4, IndexNSegments: 10, KeepSegments: 21 });
  });

  it('follows the ladder: profile uppercased, level, GOP, B-frames and HLS numbers', () => {
    const ladder: Ladder = {
      name: 'custom',
      renditions: [{ width: 1280, height: 720, bitrate: 3000000, maxBitrate: 4500000, framerate: 29.97, profile: 'high', level: '3.1', gopSeconds: 1, qvbrQuality: 9 }],
      audio: { codec: 'aac', bitrate: 128000, sampleRate: 44100, channels: 1 },
      hls: { segmentSeconds: 6, playlistSize: 5, keepSegments: 8 },
      local: { preset: 'veryfast', scaler: 'bilinear' },
    };
    const s = buildEncoderSettings(ladder, { kind: 's3' });
    expect(s.VideoDescriptions![0]!.CodecSettings!.H264Settings).toMatchObject({
      Profile: 'HIGH', Level: 'H264_LEVEL_3_1', GopSize: 1, GopNumBFrames: 2, EntropyEncoding: 'CABAC',
      Bitrate: 3000000, MaxBitrate: 4500000, BufSize: 6000000, QvbrQualityLevel: 9,
      FramerateNumerator: 30000, FramerateDenominator: 1001,
    });
    expect(s.AudioDescriptions![0]!.CodecSettings!.AacSettings).toMatchObject({ Bitrate: 128000, SampleRate: 44100, CodingMode: 'CODING_MODE_1_0' });
    expect(s.OutputGroups![0]!.OutputGroupSettings!.HlsGroupSettings).toMatchObject({ SegmentLength: 6, IndexNSegments: 5, KeepSegments: 8 });
  });
});

describe('toH264Level', () => {
  it.each([
    ['auto', 'H264_LEVEL_AUTO'],
    ['3.1', 'H264_LEVEL_3_1'],
    ['3', 'H264_LEVEL_3'],
    ['4.0', 'H264_LEVEL_4'],
    ['5.2', 'H264_LEVEL_5_2'],
  ])('%s → %s', (level, expected) => {
    expect(toH264Level(level)).toBe(expected);
  });

  it.each(['1b', '1.3x', '6'])('rejects %s with LADDER_INVALID', (level) => {
    expect(() => toH264Level(level)).toThrow(expect.objectContaining({ code: 'LADDER_INVALID' }));
  });
});

describe('toFraction', () => {
  it.each([
    [30, 30, 1],
    [15, 15, 1],
    [29.97, 30000, 1001],
    [23.976, 24000, 1001],
    [59.94, 60000, 1001],
    [12.5, 12500, 1000],
  ])('%s fps → %s/%s', (fps, numerator, denominator) => {
    expect(toFraction(fps)).toEqual({ numerator, denominator });
  });
});
