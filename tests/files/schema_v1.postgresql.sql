-- A database written by pointexit schema v1 (two Hapitas crawls), for the migration tests (pg_dump --inserts).
-- (psql meta-commands and pg_dump's comments removed, so any client can run it)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.campaign (
    id integer NOT NULL,
    site character varying NOT NULL,
    key character varying NOT NULL,
    destination character varying NOT NULL
);

CREATE SEQUENCE public.campaign_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.campaign_id_seq OWNED BY public.campaign.id;

CREATE TABLE public.campaign_observation (
    id integer NOT NULL,
    campaign_id integer NOT NULL,
    title character varying NOT NULL,
    kind character varying NOT NULL,
    bonus_bp integer NOT NULL,
    starts_at timestamp with time zone,
    ends_at timestamp with time zone,
    cap_points integer,
    cap_text character varying,
    first_come boolean NOT NULL,
    source_url character varying NOT NULL,
    first_seen timestamp with time zone NOT NULL,
    last_seen timestamp with time zone NOT NULL,
    run_id integer
);

CREATE SEQUENCE public.campaign_observation_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.campaign_observation_id_seq OWNED BY public.campaign_observation.id;

CREATE TABLE public.crawl_run (
    id integer NOT NULL,
    spider character varying NOT NULL,
    site character varying NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    verdict character varying NOT NULL,
    reason character varying,
    items integer NOT NULL,
    valid_items integer NOT NULL,
    invalid_items integer NOT NULL,
    new_observations integer NOT NULL,
    http_errors integer NOT NULL,
    parse_rate_bp integer,
    pid integer,
    stats_json character varying
);

CREATE SEQUENCE public.crawl_run_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.crawl_run_id_seq OWNED BY public.crawl_run.id;

CREATE TABLE public.exit (
    id integer NOT NULL,
    site character varying NOT NULL,
    destination character varying NOT NULL,
    variant character varying NOT NULL,
    label character varying NOT NULL
);

CREATE SEQUENCE public.exit_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.exit_id_seq OWNED BY public.exit.id;

CREATE TABLE public.exit_observation (
    id integer NOT NULL,
    exit_id integer NOT NULL,
    points_in integer NOT NULL,
    value_out integer NOT NULL,
    minimum_points integer,
    step_points integer,
    fee_points integer NOT NULL,
    lag_min_days integer,
    lag_max_days integer,
    lag_text character varying,
    daily_cap_points integer,
    monthly_cap_points integer,
    daily_exchanges integer,
    cap_scope character varying NOT NULL,
    cap_text character varying,
    source_url character varying NOT NULL,
    first_seen timestamp with time zone NOT NULL,
    last_seen timestamp with time zone NOT NULL,
    run_id integer
);

CREATE SEQUENCE public.exit_observation_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.exit_observation_id_seq OWNED BY public.exit_observation.id;

CREATE TABLE public.meta (
    key character varying NOT NULL,
    value character varying NOT NULL
);

CREATE TABLE public.routing_offer (
    id integer NOT NULL,
    site character varying NOT NULL,
    key character varying NOT NULL,
    store character varying NOT NULL
);

CREATE SEQUENCE public.routing_offer_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.routing_offer_id_seq OWNED BY public.routing_offer.id;

CREATE TABLE public.routing_offer_observation (
    id integer NOT NULL,
    offer_id integer NOT NULL,
    title character varying NOT NULL,
    rate_bp integer NOT NULL,
    scope character varying,
    conditions character varying,
    lag_text character varying,
    starts_at timestamp with time zone,
    ends_at timestamp with time zone,
    source_url character varying NOT NULL,
    first_seen timestamp with time zone NOT NULL,
    last_seen timestamp with time zone NOT NULL,
    run_id integer
);

CREATE SEQUENCE public.routing_offer_observation_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.routing_offer_observation_id_seq OWNED BY public.routing_offer_observation.id;

CREATE TABLE public.site (
    slug character varying NOT NULL,
    name character varying NOT NULL,
    yen_num integer NOT NULL,
    yen_den integer NOT NULL,
    expiry_months integer,
    expiry_since character varying,
    expiry_wording character varying
);

ALTER TABLE ONLY public.campaign ALTER COLUMN id SET DEFAULT nextval('public.campaign_id_seq'::regclass);

ALTER TABLE ONLY public.campaign_observation ALTER COLUMN id SET DEFAULT nextval('public.campaign_observation_id_seq'::regclass);

ALTER TABLE ONLY public.crawl_run ALTER COLUMN id SET DEFAULT nextval('public.crawl_run_id_seq'::regclass);

ALTER TABLE ONLY public.exit ALTER COLUMN id SET DEFAULT nextval('public.exit_id_seq'::regclass);

ALTER TABLE ONLY public.exit_observation ALTER COLUMN id SET DEFAULT nextval('public.exit_observation_id_seq'::regclass);

ALTER TABLE ONLY public.routing_offer ALTER COLUMN id SET DEFAULT nextval('public.routing_offer_id_seq'::regclass);

ALTER TABLE ONLY public.routing_offer_observation ALTER COLUMN id SET DEFAULT nextval('public.routing_offer_observation_id_seq'::regclass);

INSERT INTO public.crawl_run VALUES (1, 'hapitas', 'hapitas', '2026-11-23 10:53:02.931252+00', '2026-11-23 10:53:02.960139+00', 'ok', NULL, 8, 8, 0, 8, 0, 10000, 14425, '{"pointexit/run_id": 1, "downloader/response_status_count/200": 2, "pointexit/items": 8, "pointexit/valid_items": 8}');
INSERT INTO public.crawl_run VALUES (2, 'hapitas', 'hapitas', '2026-11-23 10:53:04.400354+00', '2026-11-23 10:53:04.428578+00', 'ok', NULL, 8, 8, 0, 0, 0, 10000, 14431, '{"pointexit/run_id": 2, "downloader/response_status_count/200": 2, "pointexit/items": 8, "pointexit/valid_items": 8}');

INSERT INTO public.exit VALUES (1, 'hapitas', 'amazon_gift', '', 'Amazonギフトカード');
INSERT INTO public.exit VALUES (2, 'hapitas', 'bank', '', '銀行振込(各金融機関)');
INSERT INTO public.exit VALUES (3, 'hapitas', 'paypay', '', 'PayPayポイント');
INSERT INTO public.exit VALUES (4, 'hapitas', 'd_point', '', 'dポイント');
INSERT INTO public.exit VALUES (5, 'hapitas', 'rakuten_point', '', '楽天ポイント');
INSERT INTO public.exit VALUES (6, 'hapitas', 'dotmoney', '', 'ドットマネー');
INSERT INTO public.exit VALUES (7, 'hapitas', 'pex', '', 'PeX');
INSERT INTO public.exit VALUES (8, 'hapitas', 'jal_mile', '', 'JALマイル');

INSERT INTO public.exit_observation VALUES (1, 1, 490, 500, 490, 490, 0, 1, 3, '申請の翌日より3営業日以内', NULL, 30000, NULL, 'site', 'ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。', 'http://127.0.0.1:38803/hapitas/exchange/', '2026-11-23 10:53:02.955266+00', '2026-11-23 10:53:04.42366+00', 1);
INSERT INTO public.exit_observation VALUES (2, 2, 300, 300, 300, 100, 0, 1, 3, '申請の翌日より3営業日以内', NULL, 30000, NULL, 'site', 'ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。', 'http://127.0.0.1:38803/hapitas/exchange/', '2026-11-23 10:53:02.955266+00', '2026-11-23 10:53:04.42366+00', 1);
INSERT INTO public.exit_observation VALUES (3, 3, 300, 300, 300, 100, 0, 1, 3, '申請の翌日より3営業日以内', NULL, 30000, NULL, 'site', 'ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。', 'http://127.0.0.1:38803/hapitas/exchange/', '2026-11-23 10:53:02.955266+00', '2026-11-23 10:53:04.42366+00', 1);
INSERT INTO public.exit_observation VALUES (4, 4, 300, 300, 300, 300, 0, 1, 3, '申請の翌日より3営業日以内', NULL, 30000, NULL, 'site', 'ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。', 'http://127.0.0.1:38803/hapitas/exchange/', '2026-11-23 10:53:02.955266+00', '2026-11-23 10:53:04.42366+00', 1);
INSERT INTO public.exit_observation VALUES (5, 5, 130, 100, 390, 130, 0, 1, 3, '申請の翌日より3営業日以内', NULL, 30000, NULL, 'site', 'ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。', 'http://127.0.0.1:38803/hapitas/exchange/', '2026-11-23 10:53:02.955266+00', '2026-11-23 10:53:04.42366+00', 1);
INSERT INTO public.exit_observation VALUES (6, 6, 300, 300, 300, 100, 0, 1, 3, '申請の翌日より3営業日以内', NULL, 30000, NULL, 'site', 'ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。', 'http://127.0.0.1:38803/hapitas/exchange/', '2026-11-23 10:53:02.955266+00', '2026-11-23 10:53:04.42366+00', 1);
INSERT INTO public.exit_observation VALUES (7, 7, 300, 3000, 300, 100, 0, 1, 3, '申請の翌日より3営業日以内', NULL, 30000, NULL, 'site', 'ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。', 'http://127.0.0.1:38803/hapitas/exchange/', '2026-11-23 10:53:02.955266+00', '2026-11-23 10:53:04.42366+00', 1);
INSERT INTO public.exit_observation VALUES (8, 8, 2, 1, 1000, 2, 0, 1, 25, '申請の翌日より25営業日以内', NULL, 30000, NULL, 'site', 'ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。', 'http://127.0.0.1:38803/hapitas/exchange/', '2026-11-23 10:53:02.955266+00', '2026-11-23 10:53:04.42366+00', 1);

INSERT INTO public.meta VALUES ('schema_version', '1');

INSERT INTO public.site VALUES ('hapitas', 'ハピタス', 1, 1, 12, 'last_login', '12ヶ月間ログインがない場合');
INSERT INTO public.site VALUES ('moppy', 'モッピー', 1, 1, 6, 'last_activity', '最終ログインまたはポイント獲得から180日');
INSERT INTO public.site VALUES ('gendama', 'げん玉', 1, 10, 6, 'last_activity', '最終利用から180日');
INSERT INTO public.site VALUES ('pointincome', 'ポイントインカム', 1, 10, 6, 'last_login', '最終ログインから180日');
INSERT INTO public.site VALUES ('ecnavi', 'ECナビ', 1, 10, 12, 'point_age', '獲得から1年経過したポイントは3ヶ月ごとに失効');
INSERT INTO public.site VALUES ('pointtown', 'ポイントタウン', 1, 20, 12, 'last_earned', '最終ポイント獲得から12ヶ月');
INSERT INTO public.site VALUES ('chobirich', 'ちょびリッチ', 1, 2, 12, 'last_activity', '最終ポイント獲得または交換から1年');
INSERT INTO public.site VALUES ('lifemedia', 'ライフメディア', 1, 1, 12, 'last_activity', '最終ポイント獲得または交換から1年');
INSERT INTO public.site VALUES ('warau', 'ワラウ', 1, 1, 12, 'last_activity', '最終利用から1年');
INSERT INTO public.site VALUES ('rakuten_rebates', '楽天リーベイツ', 1, 1, NULL, NULL, NULL);
INSERT INTO public.site VALUES ('dotmoney', 'ドットマネー', 1, 1, 6, 'point_age', '獲得から6ヶ月');
INSERT INTO public.site VALUES ('pex', 'PeX', 1, 10, 12, 'last_activity', '最終利用から1年');

SELECT pg_catalog.setval('public.campaign_id_seq', 1, false);

SELECT pg_catalog.setval('public.campaign_observation_id_seq', 1, false);

SELECT pg_catalog.setval('public.crawl_run_id_seq', 2, true);

SELECT pg_catalog.setval('public.exit_id_seq', 8, true);

SELECT pg_catalog.setval('public.exit_observation_id_seq', 8, true);

SELECT pg_catalog.setval('public.routing_offer_id_seq', 1, false);

SELECT pg_catalog.setval('public.routing_offer_observation_id_seq', 1, false);

ALTER TABLE ONLY public.campaign_observation
    ADD CONSTRAINT campaign_observation_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.campaign
    ADD CONSTRAINT campaign_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.campaign
    ADD CONSTRAINT campaign_site_key_key UNIQUE (site, key);

ALTER TABLE ONLY public.crawl_run
    ADD CONSTRAINT crawl_run_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.exit_observation
    ADD CONSTRAINT exit_observation_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.exit
    ADD CONSTRAINT exit_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.exit
    ADD CONSTRAINT exit_site_destination_variant_key UNIQUE (site, destination, variant);

ALTER TABLE ONLY public.meta
    ADD CONSTRAINT meta_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.routing_offer_observation
    ADD CONSTRAINT routing_offer_observation_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.routing_offer
    ADD CONSTRAINT routing_offer_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.routing_offer
    ADD CONSTRAINT routing_offer_site_key_key UNIQUE (site, key);

ALTER TABLE ONLY public.site
    ADD CONSTRAINT site_pkey PRIMARY KEY (slug);

CREATE INDEX ix_campaign_observation_campaign_id ON public.campaign_observation USING btree (campaign_id);

CREATE INDEX ix_campaign_site ON public.campaign USING btree (site);

CREATE INDEX ix_crawl_run_site ON public.crawl_run USING btree (site);

CREATE INDEX ix_crawl_run_spider ON public.crawl_run USING btree (spider);

CREATE INDEX ix_exit_destination ON public.exit USING btree (destination);

CREATE INDEX ix_exit_observation_exit_id ON public.exit_observation USING btree (exit_id);

CREATE INDEX ix_exit_site ON public.exit USING btree (site);

CREATE INDEX ix_routing_offer_observation_offer_id ON public.routing_offer_observation USING btree (offer_id);

CREATE INDEX ix_routing_offer_site ON public.routing_offer USING btree (site);

ALTER TABLE ONLY public.campaign_observation
    ADD CONSTRAINT campaign_observation_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaign(id);

ALTER TABLE ONLY public.campaign_observation
    ADD CONSTRAINT campaign_observation_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.crawl_run(id);

ALTER TABLE ONLY public.campaign
    ADD CONSTRAINT campaign_site_fkey FOREIGN KEY (site) REFERENCES public.site(slug);

ALTER TABLE ONLY public.exit_observation
    ADD CONSTRAINT exit_observation_exit_id_fkey FOREIGN KEY (exit_id) REFERENCES public.exit(id);

ALTER TABLE ONLY public.exit_observation
    ADD CONSTRAINT exit_observation_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.crawl_run(id);

ALTER TABLE ONLY public.exit
    ADD CONSTRAINT exit_site_fkey FOREIGN KEY (site) REFERENCES public.site(slug);

ALTER TABLE ONLY public.routing_offer_observation
    ADD CONSTRAINT routing_offer_observation_offer_id_fkey FOREIGN KEY (offer_id) REFERENCES public.routing_offer(id);

ALTER TABLE ONLY public.routing_offer_observation
    ADD CONSTRAINT routing_offer_observation_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.crawl_run(id);

ALTER TABLE ONLY public.routing_offer
    ADD CONSTRAINT routing_offer_site_fkey FOREIGN KEY (site) REFERENCES public.site(slug);
