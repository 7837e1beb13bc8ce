-- 0008: alerts — every alert the pipeline sent (or meant to send), one row each.
--
-- The ledger behind "one alert per failed run, the same cause once, a reminder every few hours,
-- one 'recovered'" (yonhap/pipeline/alerts.py): the newest row of a stream says whether that
-- stream (a DAG id, or a CLI command and edition) is failing, since when and why.
--   stream      whose alerts: 'yonhap_fr_ingest', 'yonhap-pipeline run (fr)', …
--   kind        failed | reminder | recovered
--   cause       the reason with numbers, run ids and links taken out (the same cause on
--               consecutive runs alerts once)
--   reason      the one line the alert carried
--   since       when the current failure began (the first 'failed' row of the streak)
--   delivered   channel -> "sent" or the delivery error ({} when no channel is configured:
--               the alert went to the log only)
-- Operators' table: not granted to yonhap_reader.

CREATE TABLE yonhap.alerts (
    alert_id    bigserial PRIMARY KEY,
    stream      text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('failed', 'reminder', 'recovered')),
    cause       text,
    reason      text,
    run_id      text NOT NULL,
    dag_id      text,
    edition     text NOT NULL,
    since       timestamptz,
    sent_at     timestamptz NOT NULL DEFAULT now(),
    delivered   jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX alerts_stream_sent_idx ON yonhap.alerts (stream, sent_at DESC, alert_id DESC);
