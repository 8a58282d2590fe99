-- A database written by pointexit schema v1 (two Hapitas crawls), for the migration tests.
BEGIN TRANSACTION;
CREATE TABLE campaign (
	id INTEGER NOT NULL, 
	site VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	destination VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (site, "key"), 
	FOREIGN KEY(site) REFERENCES site (slug)
);
CREATE TABLE campaign_observation (
	id INTEGER NOT NULL, 
	campaign_id INTEGER NOT NULL, 
	title VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	bonus_bp INTEGER NOT NULL, 
	starts_at DATETIME, 
	ends_at DATETIME, 
	cap_points INTEGER, 
	cap_text VARCHAR, 
	first_come BOOLEAN NOT NULL, 
	source_url VARCHAR NOT NULL, 
	first_seen DATETIME NOT NULL, 
	last_seen DATETIME NOT NULL, 
	run_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(campaign_id) REFERENCES campaign (id), 
	FOREIGN KEY(run_id) REFERENCES crawl_run (id)
);
CREATE TABLE crawl_run (
	id INTEGER NOT NULL, 
	spider VARCHAR NOT NULL, 
	site VARCHAR NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	verdict VARCHAR NOT NULL, 
	reason VARCHAR, 
	items INTEGER NOT NULL, 
	valid_items INTEGER NOT NULL, 
	invalid_items INTEGER NOT NULL, 
	new_observations INTEGER NOT NULL, 
	http_errors INTEGER NOT NULL, 
	parse_rate_bp INTEGER, 
	pid INTEGER, 
	stats_json VARCHAR, 
	PRIMARY KEY (id)
);
INSERT INTO "crawl_run" VALUES(1,'hapitas','hapitas','2026-11-23 19:52:49.944702','2026-11-23 19:52:49.966144','ok',NULL,8,8,0,8,0,10000,14299,'{"pointexit/run_id": 1, "downloader/response_status_count/200": 2, "pointexit/items": 8, "pointexit/valid_items": 8}');
INSERT INTO "crawl_run" VALUES(2,'hapitas','hapitas','2026-11-23 19:52:51.007342','2026-11-23 19:52:51.033403','ok',NULL,8,8,0,0,0,10000,14304,'{"pointexit/run_id": 2, "downloader/response_status_count/200": 2, "pointexit/items": 8, "pointexit/valid_items": 8}');
CREATE TABLE exit (
	id INTEGER NOT NULL, 
	site VARCHAR NOT NULL, 
	destination VARCHAR NOT NULL, 
	variant VARCHAR NOT NULL, 
	label VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (site, destination, variant), 
	FOREIGN KEY(site) REFERENCES site (slug)
);
INSERT INTO "exit" VALUES(1,'hapitas','amazon_gift','','Amazonギフトカード');
INSERT INTO "exit" VALUES(2,'hapitas','bank','','銀行振込(各金融機関)');
INSERT INTO "exit" VALUES(3,'hapitas','paypay','','PayPayポイント');
INSERT INTO "exit" VALUES(4,'hapitas','d_point','','dポイント');
INSERT INTO "exit" VALUES(5,'hapitas','rakuten_point','','楽天ポイント');
INSERT INTO "exit" VALUES(6,'hapitas','dotmoney','','ドットマネー');
INSERT INTO "exit" VALUES(7,'hapitas','pex','','PeX');
INSERT INTO "exit" VALUES(8,'hapitas','jal_mile','','JALマイル');
CREATE TABLE exit_observation (
	id INTEGER NOT NULL, 
	exit_id INTEGER NOT NULL, 
	points_in INTEGER NOT NULL, 
	value_out INTEGER NOT NULL, 
	minimum_points INTEGER, 
	step_points INTEGER, 
	fee_points INTEGER NOT NULL, 
	lag_min_days INTEGER, 
	lag_max_days INTEGER, 
	lag_text VARCHAR, 
	daily_cap_points INTEGER, 
	monthly_cap_points INTEGER, 
	daily_exchanges INTEGER, 
	cap_scope VARCHAR NOT NULL, 
	cap_text VARCHAR, 
	source_url VARCHAR NOT NULL, 
	first_seen DATETIME NOT NULL, 
	last_seen DATETIME NOT NULL, 
	run_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(exit_id) REFERENCES exit (id), 
	FOREIGN KEY(run_id) REFERENCES crawl_run (id)
);
INSERT INTO "exit_observation" VALUES(1,1,490,500,490,490,0,1,3,'申請の翌日より3営業日以内',NULL,30000,NULL,'site','ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。','http://127.0.0.1:45831/hapitas/exchange/','2026-11-23 19:52:49.961991','2026-11-23 19:52:51.028189',1);
INSERT INTO "exit_observation" VALUES(2,2,300,300,300,100,0,1,3,'申請の翌日より3営業日以内',NULL,30000,NULL,'site','ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。','http://127.0.0.1:45831/hapitas/exchange/','2026-11-23 19:52:49.961991','2026-11-23 19:52:51.028189',1);
INSERT INTO "exit_observation" VALUES(3,3,300,300,300,100,0,1,3,'申請の翌日より3営業日以内',NULL,30000,NULL,'site','ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。','http://127.0.0.1:45831/hapitas/exchange/','2026-11-23 19:52:49.961991','2026-11-23 19:52:51.028189',1);
INSERT INTO "exit_observation" VALUES(4,4,300,300,300,300,0,1,3,'申請の翌日より3営業日以内',NULL,30000,NULL,'site','ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。','http://127.0.0.1:45831/hapitas/exchange/','2026-11-23 19:52:49.961991','2026-11-23 19:52:51.028189',1);
INSERT INTO "exit_observation" VALUES(5,5,130,100,390,130,0,1,3,'申請の翌日より3営業日以内',NULL,30000,NULL,'site','ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。','http://127.0.0.1:45831/hapitas/exchange/','2026-11-23 19:52:49.961991','2026-11-23 19:52:51.028189',1);
INSERT INTO "exit_observation" VALUES(6,6,300,300,300,100,0,1,3,'申請の翌日より3営業日以内',NULL,30000,NULL,'site','ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。','http://127.0.0.1:45831/hapitas/exchange/','2026-11-23 19:52:49.961991','2026-11-23 19:52:51.028189',1);
INSERT INTO "exit_observation" VALUES(7,7,300,3000,300,100,0,1,3,'申請の翌日より3営業日以内',NULL,30000,NULL,'site','ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。','http://127.0.0.1:45831/hapitas/exchange/','2026-11-23 19:52:49.961991','2026-11-23 19:52:51.028189',1);
INSERT INTO "exit_observation" VALUES(8,8,2,1,1000,2,0,1,25,'申請の翌日より25営業日以内',NULL,30000,NULL,'site','ポイント交換は1ヶ月あたり全交換先合計30,000ptまでとなります。','http://127.0.0.1:45831/hapitas/exchange/','2026-11-23 19:52:49.961991','2026-11-23 19:52:51.028189',1);
CREATE TABLE meta (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "meta" VALUES('schema_version','1');
CREATE TABLE routing_offer (
	id INTEGER NOT NULL, 
	site VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	store VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (site, "key"), 
	FOREIGN KEY(site) REFERENCES site (slug)
);
CREATE TABLE routing_offer_observation (
	id INTEGER NOT NULL, 
	offer_id INTEGER NOT NULL, 
	title VARCHAR NOT NULL, 
	rate_bp INTEGER NOT NULL, 
	scope VARCHAR, 
	conditions VARCHAR, 
	lag_text VARCHAR, 
	starts_at DATETIME, 
	ends_at DATETIME, 
	source_url VARCHAR NOT NULL, 
	first_seen DATETIME NOT NULL, 
	last_seen DATETIME NOT NULL, 
	run_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(offer_id) REFERENCES routing_offer (id), 
	FOREIGN KEY(run_id) REFERENCES crawl_run (id)
);
CREATE TABLE site (
	slug VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	yen_num INTEGER NOT NULL, 
	yen_den INTEGER NOT NULL, 
	expiry_months INTEGER, 
	expiry_since VARCHAR, 
	expiry_wording VARCHAR, 
	PRIMARY KEY (slug)
);
INSERT INTO "site" VALUES('hapitas','ハピタス',1,1,12,'last_login','12ヶ月間ログインがない場合');
INSERT INTO "site" VALUES('moppy','モッピー',1,1,6,'last_activity','最終ログインまたはポイント獲得から180日');
INSERT INTO "site" VALUES('gendama','げん玉',1,10,6,'last_activity','最終利用から180日');
INSERT INTO "site" VALUES('pointincome','ポイントインカム',1,10,6,'last_login','最終ログインから180日');
INSERT INTO "site" VALUES('ecnavi','ECナビ',1,10,12,'point_age','獲得から1年経過したポイントは3ヶ月ごとに失効');
INSERT INTO "site" VALUES('pointtown','ポイントタウン',1,20,12,'last_earned','最終ポイント獲得から12ヶ月');
INSERT INTO "site" VALUES('chobirich','ちょびリッチ',1,2,12,'last_activity','最終ポイント獲得または交換から1年');
INSERT INTO "site" VALUES('lifemedia','ライフメディア',1,1,12,'last_activity','最終ポイント獲得または交換から1年');
INSERT INTO "site" VALUES('warau','ワラウ',1,1,12,'last_activity','最終利用から1年');
INSERT INTO "site" VALUES('rakuten_rebates','楽天リーベイツ',1,1,NULL,NULL,NULL);
INSERT INTO "site" VALUES('dotmoney','ドットマネー',1,1,6,'point_age','獲得から6ヶ月');
INSERT INTO "site" VALUES('pex','PeX',1,10,12,'last_activity','最終利用から1年');
CREATE INDEX ix_crawl_run_spider ON crawl_run (spider);
CREATE INDEX ix_crawl_run_site ON crawl_run (site);
CREATE INDEX ix_exit_destination ON exit (destination);
CREATE INDEX ix_exit_site ON exit (site);
CREATE INDEX ix_campaign_site ON campaign (site);
CREATE INDEX ix_routing_offer_site ON routing_offer (site);
CREATE INDEX ix_exit_observation_exit_id ON exit_observation (exit_id);
CREATE INDEX ix_campaign_observation_campaign_id ON campaign_observation (campaign_id);
CREATE INDEX ix_routing_offer_observation_offer_id ON routing_offer_observation (offer_id);
COMMIT;
