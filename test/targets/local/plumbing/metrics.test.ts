import { describe, expect, it } from 'vitest';
import { createLocalMetrics } from '../../../../src/targets/local/plumbing/metrics.js';

describe('/metrics channel health', () => {
  it('has no channel series before the encoder reports', async () => {
    const m = createLocalMetrics();
    expect(await m.registry.metrics()).not.toMatch(/^livestream_(channel|encoder)_\w+\{/m);
  });

  it('shows input connected, loss, fps, encoder speed and restarts from the latest health sample', async () => {
    const m = createLocalMetrics();
    m.channel.latest = { time: 1, state: 'RUNNING', inputConnected: false, inputLossSeconds: 4.5, encoderSpeed: 0.997, restarts: 2 };
    const text = await m.registry.metrics();
    expect(text).toContain('livestream_channel_input_connected{channel="local"} 0');
    expect(text).toContain('livestream_channel_input_loss_seconds{channel="local"} 4.5');
    expect(text).toContain('livestream_encoder_speed{channel="local"} 0.997');
    expect(text).toContain('livestream_encoder_restarts_total{channel="local"} 2');
    // Not reported by this sample: absent, not a made-up 0.
    expect(text).not.toMatch(/^livestream_channel_input_fps\{/m);
    expect(text).not.toMatch(/^livestream_encoder_dropped_frames_total\{/m);
    expect(text).not.toMatch(/^livestream_channel_pdt_drift_seconds\{/m);
  });

  it('shows dropped frames and PDT drift when the encoder reports them', async () => {
    const m = createLocalMetrics();
    m.channel.latest = { time: 1, state: 'RUNNING', inputConnected: true, restarts: 0, droppedFrames: 12, pdtDriftSeconds: -0.04 };
    const text = await m.registry.metrics();
    expect(text).toContain('livestream_encoder_dropped_frames_total{channel="local"} 12');
    expect(text).toContain('livestream_channel_pdt_drift_seconds{channel="local"} -0.04');
    expect(text).toContain('livestream_channel_input_connected{channel="local"} 1');
  });
});

describe('/metrics ingest', () => {
  it('counts --cidr refusals, and for RTP the packets forwarded and lost by where', async () => {
    const m = createLocalMetrics();
    m.ingest.read = () => ({ refused: 3, rtp: { forwarded: 48_759, sequenceGaps: 2, droppedAtGate: 0, droppedAtDecoder: 63 } });
    const text = await m.registry.metrics();
    expect(text).toMatch(/^livestream_ingest_refused_total 3$/m);
    expect(text).toMatch(/^livestream_rtp_packets_forwarded_total\{channel="local"\} 48759$/m);
    expect(text).toMatch(/^livestream_rtp_packets_lost_total\{where="before_gate"\} 2$/m);
    expect(text).toMatch(/^livestream_rtp_packets_lost_total\{where="gate"\} 0$/m);
    expect(text).toMatch(/^livestream_rtp_packets_lost_total\{where="decoder"\} 63$/m);
  });

  it('has no RTP series for other inputs, and no decoder figure where the platform gives none', async () => {
    const m = createLocalMetrics();
    m.ingest.read = () => ({ refused: 0 });
    let text = await m.registry.metrics();
    expect(text).not.toMatch(/^livestream_rtp_packets_(forwarded|lost)_total/m);
    m.ingest.read = () => ({ refused: 0, rtp: { forwarded: 5, sequenceGaps: 0, droppedAtGate: 0 } });
    text = await m.registry.metrics();
    expect(text).not.toMatch(/where="decoder"/);
  });

  it('counts SRT passphrase refusals, a series only SRT inputs have', async () => {
    const m = createLocalMetrics();
    m.ingest.read = () => ({ refused: 1, refusedPassphrase: 4 });
    expect(await m.registry.metrics()).toMatch(/^livestream_srt_passphrase_refused_total\{channel="local"\} 4$/m);
    m.ingest.read = () => ({ refused: 0 });
    expect(await m.registry.metrics()).not.toMatch(/^livestream_srt_passphrase_refused_total\{/m);
  });
});
