/* OFAC parsers: the CSV quartet (bundled 2024 sdn.csv, the 2021 quartet, the
 * 2025-12 non-SDN quartet) and the classic XML (CONSOLIDATED.XML in both
 * namespaces), checked against counts from PROVENANCE.md and real entries
 * field by field; bad inputs must fail with one clear line. */
#include <unistd.h>

#include "es_io.h"
#include "es_ofac_remarks.h"
#include "test_util.h"

static es_parse_input input(es_source src, const char *path)
{
	es_parse_input in = {.source = src, .path = path, .countries = countries, .lists_dir = ES_LISTS_DIR};
	return in;
}

static es_code parse(const char *format, es_parse_input in, es_entityset *out, es_parse_stats *st, es_err *err)
{
	es_entityset_init(out);
	return es_parse_into(es_parser_find(format), in, out, st, err);
}

static const es_ident *ident_of(const es_entity *e, const char *type)
{
	for (size_t i = 0; i < e->n_ids; i++)
		if (e->ids[i].type && strcmp(e->ids[i].type, type) == 0)
			return &e->ids[i];
	return NULL;
}

/* ---- CSV ---- */

static void test_sdn_bundled(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	es_err err = {0};
	es_parse_input in = input(ES_SRC_OFAC_SDN, ES_LISTS_DIR "/ofac-sdn/sdn.csv.gz");
	assert_int_equal(parse("ofac_csv", in, &s, &st, &err), ES_OK);
	/* PROVENANCE.md: 15,443 = 6,927 individual + 7,270 entity + 872 vessel + 374 aircraft */
	assert_int_equal(st.entries, 15443);
	assert_int_equal(s.n, 15443);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.declared_count, -1);
	size_t types[5] = {0}, weak_aka = 0;
	for (size_t i = 0; i < s.n; i++) {
		const es_entity *e = s.items[i];
		types[e->type]++;
		assert_string_equal(e->list, "SDN");
		assert_int_equal(e->source, ES_SRC_OFAC_SDN);
		for (size_t j = 0; j < e->n_names; j++)
			if (e->names[j].strength == ES_WEAK && e->names[j].kind == ES_NAME_AKA) {
				weak_aka++;
				break;
			}
	}
	assert_int_equal(types[ES_TYPE_PERSON], 6927);
	assert_int_equal(types[ES_TYPE_ENTITY], 7270);
	assert_int_equal(types[ES_TYPE_VESSEL], 872);
	assert_int_equal(types[ES_TYPE_AIRCRAFT], 374);
	assert_int_equal(types[ES_TYPE_UNKNOWN], 0);
	/* formats.md: 2,161 rows carry a weak a.k.a. '...' in Remarks */
	assert_int_equal(weak_aka, 2161);

	/* file order is kept: the first row of sdn.csv is ent 36 */
	assert_string_equal(s.items[0]->entry_id, "36");
	assert_string_equal(s.items[0]->name, "AEROCARIBBEAN AIRLINES");
	assert_null(s.items[0]->remarks); /* -0- is NULL, not "-0-" */

	const es_entity *e = find(&s, "306");
	assert_non_null(e);
	assert_string_equal(e->name, "BANCO NACIONAL DE CUBA");
	assert_int_equal(e->type, ES_TYPE_ENTITY);
	assert_int_equal(e->n_programs, 1);
	assert_string_equal(e->programs[0], "CUBA");
	assert_int_equal(e->n_names, 2);
	assert_string_equal(e->names[0].name, "BANCO NACIONAL DE CUBA");
	assert_int_equal(e->names[0].kind, ES_NAME_PRIMARY);
	assert_string_equal(e->names[1].name, "BNC");
	assert_int_equal(e->names[1].kind, ES_NAME_AKA);
	assert_int_equal(e->names[1].strength, ES_WEAK);
	assert_string_equal(e->remarks, "a.k.a. 'BNC'.");

	e = find(&s, "2675");
	assert_non_null(e);
	assert_string_equal(e->name, "AL RAHMAN, Shaykh Umar Abd");
	assert_int_equal(e->type, ES_TYPE_PERSON);
	assert_string_equal(e->title, "Chief Ideological Figure of ISLAMIC GAMA'AT");
	assert_int_equal(e->n_dobs, 1);
	assert_string_equal(e->dobs[0].text, "03 May 1938");
	assert_int_equal(e->dobs[0].year, 1938);
	assert_int_equal(e->dobs[0].month, 5);
	assert_int_equal(e->dobs[0].day, 3);
	assert_false(e->dobs[0].approximate);
	assert_int_equal(e->n_pobs, 1);
	assert_string_equal(e->pobs[0], "Egypt");
	assert_true(has_country(e, "EG", ES_CTRY_BIRTH));

	e = find(&s, "4243"); /* vessel: IMO from Remarks, fka weak aliases */
	assert_non_null(e);
	assert_string_equal(e->name, "EBANO");
	assert_int_equal(e->type, ES_TYPE_VESSEL);
	assert_string_equal(e->vessel_type, "General Cargo");
	assert_string_equal(e->tonnage, "2595");
	assert_string_equal(e->grt, "1865");
	assert_string_equal(e->vessel_flag, "Panama");
	assert_null(e->vessel_owner);
	assert_null(e->call_sign);
	const es_ident *id = ident_of(e, "IMO");
	assert_non_null(id);
	assert_string_equal(id->number, "7406784");
	const es_name *n = name_of(e, "SAND SWAN");
	assert_non_null(n);
	assert_int_equal(n->kind, ES_NAME_FKA);
	assert_int_equal(n->strength, ES_WEAK);

	/* several programs split on "] [" */
	size_t multi = 0;
	for (size_t i = 0; i < s.n; i++) {
		for (size_t j = 0; j < s.items[i]->n_programs; j++) {
			assert_null(strchr(s.items[i]->programs[j], '['));
			assert_null(strchr(s.items[i]->programs[j], ']'));
		}
		multi += s.items[i]->n_programs > 1;
	}
	assert_true(multi > 100);
	es_entityset_clear(&s);
}

static void test_sdn_2021_quartet(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	es_err err = {0};
	diags d = {0};
	es_parse_input in = input(ES_SRC_OFAC_SDN, ES_TEST_DATA "/ofac/2021/sdn.csv.gz");
	in.add_path = ES_TEST_DATA "/ofac/2021/add.csv.gz";
	in.alt_path = ES_TEST_DATA "/ofac/2021/alt.csv.gz";
	in.comments_path = ES_TEST_DATA "/ofac/2021/sdn_comments.csv.gz";
	in.on_diag = on_diag;
	in.diag_ctx = &d;
	assert_int_equal(parse("ofac_csv", in, &s, &st, &err), ES_OK);
	assert_int_equal(st.entries, 8976);
	assert_int_equal(st.bad, 0);
	assert_int_equal(d.n, 0);
	size_t strong_alt = 0;
	for (size_t i = 0; i < s.n; i++)
		for (size_t j = 1; j < s.items[i]->n_names; j++)
			strong_alt += s.items[i]->names[j].strength == ES_STRONG;
	/* alt.csv: 11,910 rows; a few repeat a name already held (merged) */
	assert_true(strong_alt > 11800 && strong_alt <= 11910);

	/* alt.csv strong alias and add.csv address of ent 36 / 173 */
	const es_entity *e = find(&s, "36");
	assert_non_null(e);
	const es_name *n = name_of(e, "AERO-CARIBBEAN");
	assert_non_null(n);
	assert_int_equal(n->kind, ES_NAME_AKA);
	assert_int_equal(n->strength, ES_STRONG);
	e = find(&s, "173");
	assert_non_null(e);
	assert_int_equal(e->n_addresses, 1);
	assert_string_equal(e->addresses[0].street, "Ibex House, The Minories");
	assert_string_equal(e->addresses[0].city, "London EC3N 1DY");
	assert_string_equal(e->addresses[0].country, "GB");
	assert_true(has_country(e, "GB", ES_CTRY_ADDRESS));

	/* ent 28263: Remarks cut mid-alias ("a.k.a. 'snowsjo" + "hn'; Linked To: LAZARUS GROUP.") */
	e = find(&s, "28263");
	assert_non_null(e);
	assert_string_equal(e->name, "TIAN, Yinyin");
	n = name_of(e, "snowsjohn");
	assert_non_null(n);
	assert_int_equal(n->strength, ES_WEAK);
	assert_null(name_of(e, "snowsjo"));
	const es_ident *id = ident_of(e, "Linked To");
	assert_non_null(id);
	assert_string_equal(id->number, "LAZARUS GROUP");
	assert_non_null(strstr(e->remarks, "a.k.a. 'snowsjohn'; Linked To: LAZARUS GROUP."));
	assert_true(has_country(e, "CN", ES_CTRY_NATIONALITY));
	id = ident_of(e, "Identification Number");
	assert_non_null(id);
	assert_string_equal(id->number, "321284198607120616");
	assert_string_equal(id->country, "CN");
	id = ident_of(e, "Gender");
	assert_non_null(id);
	assert_string_equal(id->number, "Male");

	/* ent 12300: several DOBs, "alt." items, an ID with issuing country */
	e = find(&s, "12300");
	assert_non_null(e);
	assert_int_equal(e->n_dobs, 3);
	assert_int_equal(e->dobs[1].year, 1968);
	assert_int_equal(e->dobs[1].month, 4);
	assert_int_equal(e->dobs[1].day, 13);
	id = ident_of(e, "Passport");
	assert_non_null(id);
	assert_string_equal(id->number, "AL720622");
	assert_string_equal(id->country, "CO");
	es_entityset_clear(&s);
}

static void test_cons_quartet(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	es_err err = {0};
	es_parse_input in = input(ES_SRC_OFAC_CONS, ES_LISTS_DIR "/ofac-cons/cons_prim.csv");
	in.add_path = ES_LISTS_DIR "/ofac-cons/cons_add.csv";
	in.alt_path = ES_LISTS_DIR "/ofac-cons/cons_alt.csv";
	in.comments_path = ES_LISTS_DIR "/ofac-cons/cons_comments.csv";
	assert_int_equal(parse("ofac_csv", in, &s, &st, &err), ES_OK);
	assert_int_equal(st.entries, 442);
	assert_int_equal(st.bad, 0);
	size_t ssi = 0, plc = 0, cmic = 0, cap = 0, mbs = 0, other = 0;
	for (size_t i = 0; i < s.n; i++) {
		const char *l = s.items[i]->list;
		assert_int_equal(s.items[i]->source, ES_SRC_OFAC_CONS);
		ssi += !strcmp(l, "SSI");
		plc += !strcmp(l, "PLC");
		cmic += !strcmp(l, "CMIC");
		cap += !strcmp(l, "CAP");
		mbs += !strcmp(l, "MBS");
		other += strcmp(l, "SSI") && strcmp(l, "PLC") && strcmp(l, "CMIC") && strcmp(l, "CAP") && strcmp(l, "MBS");
	}
	/* programs of cons_prim.csv 2025-12: 78 NS-PLC (2 with SDGT), 68 CMIC-EO13959,
	 * 1 561-Related, CAATSA - RUSSIA + BURMA-EO14014 + ILLICIT-DRUGS-EO14059 -> MBS, rest SSI */
	assert_int_equal(plc, 78);
	assert_int_equal(cmic, 68);
	assert_int_equal(cap, 1);
	assert_int_equal(mbs, 3);
	assert_int_equal(ssi, 292);
	assert_int_equal(other, 0);

	const es_entity *e = find(&s, "9639");
	assert_non_null(e);
	assert_string_equal(e->name, "HANIYA, Ismail Abdul Salah");
	assert_string_equal(e->list, "PLC");
	assert_int_equal(e->n_dobs, 1);
	assert_int_equal(e->dobs[0].year, 1962);
	assert_int_equal(e->dobs[0].month, 0);
	assert_string_equal(e->pobs[0], "Shati");
	assert_string_equal(find(&s, "15268")->list, "CAP");
	assert_string_equal(find(&s, "27016")->list, "MBS");

	/* ent 17016: Remarks continue in cons_comments.csv mid-word ("Direc" + "tive") */
	e = find(&s, "17016");
	assert_non_null(e);
	assert_string_equal(e->name, "GAZPROMBANK JOINT STOCK COMPANY");
	assert_string_equal(e->list, "SSI");
	assert_int_equal(e->n_programs, 2);
	assert_string_equal(e->programs[0], "UKRAINE-EO13662");
	assert_string_equal(e->programs[1], "RUSSIA-EO14024");
	assert_non_null(strstr(e->remarks, "(EO 14024 Directive)' associated with this name are prohibited."));
	const es_ident *id = ident_of(e, "Tax ID No."); /* only in the continuation */
	assert_non_null(id);
	assert_string_equal(id->number, "7744001497");
	assert_string_equal(id->country, "RU");
	id = ident_of(e, "SWIFT/BIC");
	assert_non_null(id);
	assert_string_equal(id->number, "GAZPRUMM");
	const es_name *n = name_of(e, "BANK GPB JSC");
	assert_non_null(n);
	assert_int_equal(n->strength, ES_STRONG);
	assert_int_equal(e->n_addresses, 5);
	assert_string_equal(e->addresses[0].country, "RU");
	es_entityset_clear(&s);
}

static void test_csv_bad_inputs(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	es_err err = {0};
	diags d = {0};

	/* an HTML error page instead of the file */
	es_parse_input in = input(ES_SRC_OFAC_SDN, ES_TEST_DATA "/ofac/error_page.html");
	assert_int_equal(parse("ofac_csv", in, &s, &st, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, "error_page.html:1:"));
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(s.n, 0);

	/* another list's CSV: the first record does not have 12 columns */
	in = input(ES_SRC_OFAC_SDN, ES_TEST_DATA "/ofac/2021/add.csv.gz");
	assert_int_equal(parse("ofac_csv", in, &s, &st, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, "add.csv.gz:1: first record has 6 columns, expected 12"));

	/* Windows-1252 bytes */
	in = input(ES_SRC_OFAC_SDN, ES_TEST_DATA "/ofac/sdn_cp1252.csv");
	assert_int_equal(parse("ofac_csv", in, &s, &st, &err), ES_EENCODING);
	assert_non_null(strstr(err.msg, "sdn_cp1252.csv:3:"));
	assert_int_equal(s.n, 0);

	/* a row without a name: reported, counted, the rest parsed */
	in = input(ES_SRC_OFAC_SDN, ES_TEST_DATA "/ofac/sdn_noname.csv");
	in.on_diag = on_diag;
	in.diag_ctx = &d;
	assert_int_equal(parse("ofac_csv", in, &s, &st, &err), ES_OK);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.bad, 1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], "sdn_noname.csv:2: entry 173 has no name");
	assert_int_equal(s.n, 3);
	assert_string_equal(s.items[0]->entry_id, "36");
	assert_string_equal(s.items[1]->entry_id, "306");
	assert_string_equal(s.items[2]->entry_id, "2675");
	es_entityset_clear(&s);

	/* no lists_dir: refused, not silently parsed without the Remarks patterns */
	in = input(ES_SRC_OFAC_SDN, ES_TEST_DATA "/ofac/sdn_noname.csv");
	in.lists_dir = NULL;
	assert_int_equal(parse("ofac_csv", in, &s, &st, &err), ES_EUSAGE);
	assert_int_equal(s.n, 0);
}

static es_code count_cb(void *ctx, es_entity *e, es_err *err)
{
	(void)err;
	(*(size_t *)ctx)++;
	es_entity_free(e);
	return ES_OK;
}

static void test_csv_mem_edge_cases(void **state)
{
	(void)state;
	es_parse_stats st;
	es_err err = {0};
	diags d = {0};
	size_t n = 0;
	es_parse_input in = input(ES_SRC_OFAC_SDN, "sdn.csv");
	in.on_entity = count_cb;
	in.ctx = &n;
	in.on_diag = on_diag;
	in.diag_ctx = &d;
	/* oversize field: that entry is reported, the next one parsed */
	size_t big = ES_MAX_FIELD + 100;
	char *buf = malloc(big + 256);
	assert_non_null(buf);
	int p = snprintf(buf, 256, "10,\"A\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"");
	memset(buf + p, 'x', big);
	p += (int)big;
	p += snprintf(buf + p, 256, "\"\r\n11,\"B\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a");
	assert_int_equal(es_parse_ofac_csv_buf(&in, &(es_ofac_csv_bufs){.main = {buf, (size_t)p}}, &st, &err), ES_OK);
	assert_int_equal(n, 1);
	assert_int_equal(st.bad, 1);
	assert_non_null(strstr(d.msgs[0], "sdn.csv:1: entry 10: field 12 is over the size limit"));
	free(buf);

	/* a file cut inside a quoted field */
	const char *cut = "10,\"A\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 19";
	n = 0;
	assert_int_equal(es_parse_ofac_csv_buf(&in, &(es_ofac_csv_bufs){.main = {cut, strlen(cut)}}, &st, &err),
			 ES_EFORMAT);
	assert_non_null(strstr(err.msg, "sdn.csv:1:"));

	/* a duplicated ent_num keeps the first row */
	const char *dup = "10,\"A\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
			  "10,\"B\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n";
	n = 0;
	d.n = 0;
	assert_int_equal(es_parse_ofac_csv_buf(&in, &(es_ofac_csv_bufs){.main = {dup, strlen(dup)}}, &st, &err), ES_OK);
	assert_int_equal(n, 1);
	assert_int_equal(st.bad, 1);
	assert_non_null(strstr(d.msgs[0], "entry 10 appears twice"));
}

static void test_dates(void **state)
{
	(void)state;
	es_entity_date d;
	assert_true(es_ofac_parse_date("03 May 1938", 11, &d));
	assert_int_equal(d.year, 1938);
	assert_int_equal(d.month, 5);
	assert_int_equal(d.day, 3);
	assert_true(es_ofac_parse_date("circa 1960", 10, &d));
	assert_int_equal(d.year, 1960);
	assert_true(d.approximate);
	assert_true(es_ofac_parse_date("1960 to 1962", 12, &d));
	assert_int_equal(d.year, 1960);
	assert_int_equal(d.year_to, 1962);
	assert_false(d.approximate);
	assert_true(es_ofac_parse_date("Mar 1965", 8, &d));
	assert_int_equal(d.year, 1965);
	assert_int_equal(d.month, 3);
	assert_int_equal(d.day, 0);
	assert_true(es_ofac_parse_date("01 Jan 1960 to 31 Dec 1962", 26, &d));
	assert_int_equal(d.day, 1);
	assert_int_equal(d.year_to, 1962);
	assert_false(es_ofac_parse_date("sometime", 8, &d));
	assert_int_equal(d.year, 0);
	assert_false(es_ofac_parse_date("1962 to 1960", 12, &d));
	assert_false(es_ofac_parse_date("", 0, &d));
}


static void test_remarks_patterns(void **state)
{
	(void)state;
	es_err err = {0};
	es_ofac_remarks *r = NULL;
	assert_int_equal(es_ofac_remarks_load(&r, ES_LISTS_DIR "/" ES_OFAC_REMARKS_FILE, &err), ES_OK);
	es_entity *e = es_entity_new(ES_SRC_OFAC_SDN);
	assert_non_null(e);
	assert_int_equal(es_entity_set_name(e, "X, Y", (size_t)-1, &err), ES_OK);
	const char *t = "DOB circa 1960 to 1962; alt. DOB Mar 1965; POB Cairo, Egypt; nationality Korea, North; "
			"citizen Iran; Passport A1234567 (Iran) issued 01 Jan 2001 expires 01 Jan 2011; "
			"a.k.a. 'NU'MAN, Ali'; n.k.a. 'NEW CO.'; Linked To: FOO (BAR) LTD; "
			"Digital Currency Address - ETH 0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c; Gender Female; "
			"Some prose item that matches nothing.";
	assert_int_equal(es_ofac_remarks_apply(r, countries, t, strlen(t), e, &err), ES_OK);
	assert_int_equal(e->n_dobs, 2);
	assert_true(e->dobs[0].approximate);
	assert_int_equal(e->dobs[0].year, 1960);
	assert_int_equal(e->dobs[0].year_to, 1962);
	assert_int_equal(e->dobs[1].month, 3);
	assert_string_equal(e->pobs[0], "Cairo, Egypt");
	assert_true(has_country(e, "EG", ES_CTRY_BIRTH));
	assert_true(has_country(e, "KP", ES_CTRY_NATIONALITY));
	assert_true(has_country(e, "IR", ES_CTRY_CITIZENSHIP));
	const es_ident *id = ident_of(e, "Passport");
	assert_non_null(id);
	assert_string_equal(id->number, "A1234567");
	assert_string_equal(id->country, "IR");
	const es_name *n = name_of(e, "NU'MAN, Ali"); /* quotes inside the alias */
	assert_non_null(n);
	assert_int_equal(n->strength, ES_WEAK);
	n = name_of(e, "NEW CO."); /* the text's final '.' is dropped, the alias's kept */
	assert_non_null(n);
	assert_int_equal(n->kind, ES_NAME_NKA);
	id = ident_of(e, "Linked To"); /* regression: a name with parentheses */
	assert_non_null(id);
	assert_string_equal(id->number, "FOO (BAR) LTD");
	id = ident_of(e, "Digital Currency Address - ETH");
	assert_non_null(id);
	assert_string_equal(id->number, "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c");
	assert_string_equal(ident_of(e, "Gender")->number, "Female");
	assert_int_equal(e->n_ids, 4);
	es_entity_free(e);
	es_ofac_remarks_free(r);

	/* a broken pattern file is refused with its line */
	char path[] = "/tmp/es-test-ofac-remarks-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *bad = "# comment\ndob\t-\t^DOB (?<value>.+$\n";
	assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	assert_int_equal(es_ofac_remarks_load(&r, path, &err), ES_EFORMAT);
	assert_non_null(strstr(err.msg, ":2: bad pattern"));
	unlink(path);
}

static void test_csv_nul_byte(void **state)
{
	(void)state;
	es_parse_stats st;
	es_err err = {0};
	size_t n = 0;
	es_parse_input in = input(ES_SRC_OFAC_SDN, "sdn.csv");
	in.on_entity = count_cb;
	in.ctx = &n;
	/* regression (libFuzzer): a NUL inside a name made e->name and names[0] differ */
	const char doc[] = "306,\"BANCO \0NACIONAL\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n";
	assert_int_equal(es_parse_ofac_csv_buf(&in, &(es_ofac_csv_bufs){.main = {doc, sizeof doc - 1}}, &st, &err),
			 ES_EENCODING);
	assert_string_equal(err.msg, "sdn.csv:1: NUL byte in a text file (binary or damaged file?)");
	assert_int_equal(n, 0);
}

/* ---- XML ---- */

static void check_consolidated_xml(const char *path)
{
	es_entityset s;
	es_parse_stats st;
	es_err err = {0};
	es_parse_input in = input(ES_SRC_OFAC_CONS, path);
	assert_int_equal(parse("ofac_xml", in, &s, &st, &err), ES_OK);
	assert_int_equal(st.entries, 443);
	assert_int_equal(st.declared_count, 443);
	assert_int_equal(st.bad, 0);
	assert_string_equal(st.data_date, "2024-05-06");

	const es_entity *e = find(&s, "9647");
	assert_non_null(e);
	assert_string_equal(e->name, "ZAHHAR, Mahmoud Khaled");
	assert_int_equal(e->type, ES_TYPE_PERSON);
	assert_string_equal(e->list, "PLC");
	assert_int_equal(e->names[0].kind, ES_NAME_PRIMARY);
	assert_string_equal(e->names[0].name, "ZAHHAR, Mahmoud Khaled");
	const es_name *n = name_of(e, "AL ZAHAR, Mahmoud Khaled");
	assert_non_null(n);
	assert_int_equal(n->strength, ES_STRONG);
	assert_int_equal(n->kind, ES_NAME_AKA);
	n = name_of(e, "ZAHAR, Mahmoud");
	assert_non_null(n);
	assert_int_equal(n->strength, ES_WEAK);
	assert_int_equal(e->n_programs, 2);
	assert_string_equal(e->programs[0], "NS-PLC");
	assert_string_equal(e->programs[1], "SDGT");
	assert_int_equal(e->n_dobs, 1);
	assert_string_equal(e->dobs[0].text, "1945");
	assert_int_equal(e->dobs[0].year, 1945);
	assert_string_equal(e->pobs[0], "Gaza Strip");
	/* countries.tsv maps "Palestinian" (nationality) and "Region: Gaza" (address) to PS */
	assert_true(has_country(e, "PS", ES_CTRY_NATIONALITY));
	assert_true(has_country(e, "PS", ES_CTRY_ADDRESS));
	assert_true(has_country(e, "PS", ES_CTRY_BIRTH));
	assert_int_equal(e->n_addresses, 1);
	assert_string_equal(e->addresses[0].full, "Region: Gaza");
	const es_ident *id = ident_of(e, "Gender");
	assert_non_null(id);
	assert_string_equal(id->number, "Male");
	id = ident_of(e, "Linked To"); /* from <remarks>(Linked To: HAMAS)</remarks> */
	assert_non_null(id);
	assert_string_equal(id->number, "HAMAS");
	assert_string_equal(e->remarks, "(Linked To: HAMAS)");

	size_t persons = count_type(&s, ES_TYPE_PERSON), ents = count_type(&s, ES_TYPE_ENTITY);
	assert_int_equal(persons + ents, 443);
	assert_int_equal(persons, 79);
	es_entityset_clear(&s);
}

static void test_xml_consolidated(void **state)
{
	(void)state;
	check_consolidated_xml(ES_TEST_DATA "/ofac/consolidated.xml.gz");
}

static void test_xml_tempuri_namespace(void **state)
{
	(void)state;
	check_consolidated_xml(ES_TEST_DATA "/ofac/consolidated_tempuri.xml.gz");
}

static void test_csv_and_xml_agree(void **state)
{
	(void)state;
	/* the 2025-12 cons CSV and the 2024-05 CONSOLIDATED.XML share 441 entries; both
	 * formats must give them the same primary name ("LAST, First"), type and sub-list
	 * (3 entries were renamed by OFAC in between) */
	es_entityset x, y;
	es_parse_stats st;
	es_err err = {0};
	es_parse_input a = input(ES_SRC_OFAC_CONS, ES_LISTS_DIR "/ofac-cons/cons_prim.csv");
	es_parse_input b = input(ES_SRC_OFAC_CONS, ES_TEST_DATA "/ofac/consolidated.xml.gz");
	assert_int_equal(parse("ofac_csv", a, &x, &st, &err), ES_OK);
	assert_int_equal(parse("ofac_xml", b, &y, &st, &err), ES_OK);
	size_t common = 0, same_name = 0, same_type = 0, same_list = 0;
	for (size_t i = 0; i < x.n; i++) {
		const es_entity *o = find(&y, x.items[i]->entry_id);
		if (!o)
			continue;
		common++;
		same_name += strcmp(o->name, x.items[i]->name) == 0;
		same_type += o->type == x.items[i]->type;
		same_list += strcmp(o->list, x.items[i]->list) == 0;
	}
	assert_int_equal(common, 441);
	assert_int_equal(same_name, 438);
	assert_int_equal(same_type, 441);
	assert_int_equal(same_list, 441);
	es_entityset_clear(&x);
	es_entityset_clear(&y);
}

static void test_xml_bad_inputs(void **state)
{
	(void)state;
	es_entityset s;
	es_parse_stats st;
	es_err err = {0};

	/* cut in the middle of an entry */
	es_parse_input in = input(ES_SRC_OFAC_CONS, ES_TEST_DATA "/ofac/consolidated_truncated.xml.gz");
	assert_int_not_equal(parse("ofac_xml", in, &s, &st, &err), ES_OK);
	assert_non_null(strstr(err.msg, "consolidated_truncated.xml.gz:"));
	assert_null(strchr(err.msg, '\n'));
	es_entityset_clear(&s);

	/* well-formed, one entry missing: Record_Count says 443 */
	in = input(ES_SRC_OFAC_CONS, ES_TEST_DATA "/ofac/consolidated_missing_entry.xml.gz");
	assert_int_equal(parse("ofac_xml", in, &s, &st, &err), ES_EFORMAT);
	assert_string_equal(err.msg, "consolidated_missing_entry.xml.gz: file declares 443 entries, has 442 (truncated or edited?)");
	es_entityset_clear(&s);

	/* hostile documents */
	const char *attacks[] = {"billion_laughs.xml", "xxe_file.xml", "xxe_network.xml", "xxe_parameter.xml"};
	for (size_t i = 0; i < sizeof attacks / sizeof *attacks; i++) {
		char path[512];
		snprintf(path, sizeof path, ES_TEST_DATA "/xml-attacks/%s", attacks[i]);
		in = input(ES_SRC_OFAC_SDN, path);
		err = (es_err){0};
		assert_int_equal(parse("ofac_xml", in, &s, &st, &err), ES_EFORMAT);
		assert_non_null(strstr(err.msg, attacks[i]));
		assert_null(strchr(err.msg, '\n'));
		assert_null(strstr(err.msg, "root:")); /* /etc/passwd never read */
		assert_int_equal(s.n, 0);
	}

	/* an HTML page and a CSV file given to the XML parser */
	in = input(ES_SRC_OFAC_SDN, ES_TEST_DATA "/ofac/error_page.html");
	assert_int_equal(parse("ofac_xml", in, &s, &st, &err), ES_EFORMAT);
	in = input(ES_SRC_OFAC_SDN, ES_TEST_DATA "/ofac/sdn_noname.csv");
	assert_int_equal(parse("ofac_xml", in, &s, &st, &err), ES_EFORMAT);
	assert_int_equal(s.n, 0);
}

static void test_xml_entry_problems(void **state)
{
	(void)state;
	es_parse_stats st;
	es_err err = {0};
	diags d = {0};
	size_t n = 0;
	es_parse_input in = input(ES_SRC_OFAC_SDN, "SDN.XML");
	in.on_entity = count_cb;
	in.ctx = &n;
	in.on_diag = on_diag;
	in.diag_ctx = &d;
	const char *doc = "<?xml version=\"1.0\"?>\n<sdnList xmlns=\"http://tempuri.org/sdnList.xsd\">\n"
			  "<publshInformation><Publish_Date>07/02/2024</Publish_Date><Record_Count>3</Record_Count></publshInformation>\n"
			  "<sdnEntry><uid>1</uid><sdnType>Entity</sdnType></sdnEntry>\n"
			  "<sdnEntry><uid>2</uid><lastName>EBANO</lastName><sdnType>Vessel</sdnType>"
			  "<idList><id><uid>9</uid><idType>Vessel Registration Identification</idType><idNumber>IMO 7406784</idNumber></id></idList>"
			  "<vesselInfo><vesselType>General Cargo</vesselType><vesselFlag>Panama</vesselFlag><tonnage>2595</tonnage></vesselInfo></sdnEntry>\n"
			  "<sdnEntry><uid>x3</uid><lastName>C</lastName></sdnEntry>\n</sdnList>\n";
	es_entityset out;
	es_entityset_init(&out);
	in.on_entity = collect;
	in.ctx = &out;
	assert_int_equal(es_parse_ofac_xml_buf(&in, doc, strlen(doc), &st, &err), ES_OK);
	n = out.n;
	assert_int_equal(out.n, 1);
	const es_entity *e = out.items[0];
	assert_string_equal(e->entry_id, "2");
	assert_int_equal(e->type, ES_TYPE_VESSEL);
	assert_string_equal(e->vessel_type, "General Cargo");
	assert_string_equal(e->vessel_flag, "Panama");
	assert_string_equal(e->tonnage, "2595");
	const es_ident *id = ident_of(e, "IMO"); /* same shape as the CSV's */
	assert_non_null(id);
	assert_string_equal(id->number, "7406784");
	es_entityset_clear(&out);
	assert_int_equal(n, 1);
	assert_int_equal(st.bad, 2);
	assert_int_equal(st.declared_count, 3);
	assert_string_equal(st.data_date, "2024-07-02");
	assert_int_equal(d.n, 2);
	assert_string_equal(d.msgs[0], "SDN.XML:4: entry 1 has no name");
	assert_string_equal(d.msgs[1], "SDN.XML:6: entry 'x3' has no valid uid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdn_bundled),
		cmocka_unit_test(test_sdn_2021_quartet),
		cmocka_unit_test(test_cons_quartet),
		cmocka_unit_test(test_csv_bad_inputs),
		cmocka_unit_test(test_csv_mem_edge_cases),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_remarks_patterns),
		cmocka_unit_test(test_csv_nul_byte),
		cmocka_unit_test(test_xml_consolidated),
		cmocka_unit_test(test_xml_tempuri_namespace),
		cmocka_unit_test(test_csv_and_xml_agree),
		cmocka_unit_test(test_xml_bad_inputs),
		cmocka_unit_test(test_xml_entry_problems),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
