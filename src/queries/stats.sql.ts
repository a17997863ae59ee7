// Figures for the dashboard's stats page, over the sessions started in a window.
// `$1` user (or null), `$2` from (inclusive), `$3` to (exclusive); days and hours are UTC.

const windowed = /* sql */ `
  select started_at, duration_seconds, coalesce(message_count, 0) as message_count
  from conversation_sessions
  where ($1::uuid is null or user_id = $1::uuid)
    and ($2::timestamptz is null or started_at >= $2::timestamptz)
    and ($3::timestamptz is null or started_at < $3::timestamptz)`

/** Upper bounds (seconds) of the duration histogram's buckets; one more bucket holds the rest. */
export const DURATION_BUCKET_BOUNDS = [15, 30, 60, 120, 300, 600, 1800, 3600] as const

/**
 * Totals and distributions in one row. `durationAtMost[i]` counts ended
 * sessions lasting at most the i-th bound; the route turns it into buckets.
 */
export const statsSummary = /* sql */ `
  with s as (${windowed})
  select
    (select count(*) from s) as sessions,
    (select coalesce(sum(message_count), 0) from s) as messages,
    (select count(*) from conversation_sessions where is_active and ($1::uuid is null or user_id = $1::uuid)) as "activeNow",
    (select count(duration_seconds) from s) as ended,
    (select percentile_cont(array[0.5, 0.9, 0.99]) within group (order by duration_seconds) from s) as "durationPercentiles",
    (select array_agg((select count(*) from s where duration_seconds <= bound) order by bound)
       from unnest(array[${DURATION_BUCKET_BOUNDS.join(', ')}]::double precision[]) as bound) as "durationAtMost",
    (select avg(message_count)::double precision from s) as "messagesAvg",
    (select percentile_cont(array[0.5, 0.9, 0.99]) within group (order by message_count::double precision) from s) as "messagePercentiles"`

/** Sessions started on each day from the first such day to the last, days without any included. */
export const sessionsPerDay = /* sql */ `
  with counted as (
    select (started_at at time zone 'UTC')::date as day, count(*) as count
    from (${windowed}) s
    group by 1
  )
  select to_char(series.day, 'YYYY-MM-DD') as day, coalesce(counted.count, 0) as count
  from generate_series((select min(day) from counted), (select max(day) from counted), interval '1 day') as series(day)
  left join counted on counted.day = series.day::date
  order by series.day`

/** Sessions started in each hour of the day, all 24. */
export const sessionsPerHour = /* sql */ `
  with counted as (
    select extract(hour from started_at at time zone 'UTC')::integer as hour, count(*) as count
    from (${windowed}) s
    group by 1
  )
  select hours.hour, coalesce(counted.count, 0) as count
  from generate_series(0, 23) as hours(hour)
  left join counted on counted.hour = hours.hour
  order by hours.hour`
