#!/usr/bin/env python3
"""Writes lists/normalize/numbers.txt: number words and ordinals 1..99 (+100) in
English, Russian (BGN/PCGN romanization, as the lists write Russian), German,
French and Spanish, with hyphenated / spaced / glued compounds and common
misspellings. Words that are also ordinary name words (un, una, ein, elf,
once, dos, sem, tri, mil, premier...) are left out on purpose.
Run: python3 scripts/data/gen_numbers.py > lists/normalize/numbers.txt"""
import collections

forms = collections.defaultdict(list)
def add(v, *ws):
    for w in ws:
        w = w.lower()
        if w not in forms[v]:
            forms[v].append(w)

def compounds(v, tens_forms, unit_forms, joins):
    for t in tens_forms:
        for u in unit_forms:
            for j in joins:
                add(v, t + j + u)

# ---- English
en_units = {1: 'one', 2: 'two', 3: 'three', 4: 'four', 5: 'five', 6: 'six', 7: 'seven', 8: 'eight', 9: 'nine'}
en_uord = {1: 'first', 2: 'second', 3: 'third', 4: 'fourth', 5: 'fifth', 6: 'sixth', 7: 'seventh', 8: 'eighth', 9: 'ninth'}
en_teens = {10: ('ten', 'tenth'), 11: ('eleven', 'eleventh'), 12: ('twelve', 'twelfth'), 13: ('thirteen', 'thirteenth'),
            14: ('fourteen', 'fourteenth'), 15: ('fifteen', 'fifteenth'), 16: ('sixteen', 'sixteenth'),
            17: ('seventeen', 'seventeenth'), 18: ('eighteen', 'eighteenth'), 19: ('nineteen', 'nineteenth')}
en_tens = {20: ('twenty', 'twentieth'), 30: ('thirty', 'thirtieth'), 40: ('forty', 'fortieth'), 50: ('fifty', 'fiftieth'),
           60: ('sixty', 'sixtieth'), 70: ('seventy', 'seventieth'), 80: ('eighty', 'eightieth'), 90: ('ninety', 'ninetieth')}
en_miss = {4: ['forth'], 8: ['eigth'], 9: ['nineth'], 12: ['twelth', 'twelveth'], 40: ['fourty', 'fourtieth'],
           14: ['forteen', 'forteenth'], 19: ['ninteen', 'ninteenth'], 90: ['ninty', 'nintieth']}
for v in range(1, 10):
    add(v, en_units[v], en_uord[v])
for v, (c, o) in en_teens.items():
    add(v, c, o)
for v, (c, o) in en_tens.items():
    add(v, c, o)
for v, ms in en_miss.items():
    add(v, *ms)
for t, (tc, to) in en_tens.items():
    tcs = [tc] + [m for m in en_miss.get(t, []) if not m.endswith('th')]
    for u in range(1, 10):
        us = [en_units[u], en_uord[u]] + en_miss.get(u, [])
        compounds(t + u, tcs, us, [' ', ''])
add(100, 'hundred', 'hundredth', 'one hundred', 'one hundredth')

# ---- Russian (BGN/PCGN), cardinal and ordinal (m. f. n. nom., gen.)
def ru_ord(stem, hard):
    e = ['yy', 'yi', 'iy', 'y'] if hard == 'yy' else (['oy'] if hard == 'oy' else ['iy'])
    out = [stem + x for x in e]
    if hard in ('yy', 'oy'):
        out += [stem + 'aya', stem + 'oye', stem + 'oe', stem + 'ogo', stem + 'oy' if hard == 'yy' else stem + 'aya']
    return out
ru_card = {4: 'chetyre', 5: 'pyat', 6: 'shest', 8: 'vosem', 9: 'devyat', 10: 'desyat', 11: 'odinnadtsat',
           12: 'dvenadtsat', 13: 'trinadtsat', 14: 'chetyrnadtsat', 15: 'pyatnadtsat', 16: 'shestnadtsat',
           17: 'semnadtsat', 18: 'vosemnadtsat', 19: 'devyatnadtsat', 20: 'dvadtsat', 30: 'tridtsat', 40: 'sorok',
           50: 'pyatdesyat', 60: 'shestdesyat', 70: 'semdesyat', 80: 'vosemdesyat', 90: 'devyanosto', 100: 'sto'}
ru_ordstem = {1: ('perv', 'yy'), 2: ('vtor', 'oy'), 4: ('chetvert', 'yy'), 5: ('pyat', 'yy'), 6: ('shest', 'oy'),
              7: ('sedm', 'oy'), 8: ('vosm', 'oy'), 9: ('devyat', 'yy'), 10: ('desyat', 'yy'),
              11: ('odinnadtsat', 'yy'), 12: ('dvenadtsat', 'yy'), 13: ('trinadtsat', 'yy'),
              14: ('chetyrnadtsat', 'yy'), 15: ('pyatnadtsat', 'yy'), 16: ('shestnadtsat', 'yy'),
              17: ('semnadtsat', 'yy'), 18: ('vosemnadtsat', 'yy'), 19: ('devyatnadtsat', 'yy'),
              20: ('dvadtsat', 'yy'), 30: ('tridtsat', 'yy'), 40: ('sorokov', 'oy'), 50: ('pyatidesyat', 'yy'),
              60: ('shestidesyat', 'yy'), 70: ('semidesyat', 'yy'), 80: ('vosmidesyat', 'yy'),
              90: ('devyanost', 'yy')}
ru_o = collections.defaultdict(list)
for v, (st, h) in ru_ordstem.items():
    ru_o[v] = ru_ord(st, h)
ru_o[3] = ['tretiy', 'tretii', 'tretya', 'tretye', 'tretyego', 'tretego']
for v, c in ru_card.items():
    if v != 100:  # sto: also an acronym
        add(v, c)
for v, os in ru_o.items():
    add(v, *os)
for t in range(20, 100, 10):
    for u in range(1, 10):
        us = ([ru_card[u]] if u in ru_card else []) + ru_o[u]
        compounds(t + u, [ru_card[t]], us, [' '])

# ---- German
de_u = {2: 'zwei', 3: 'drei', 4: 'vier', 5: 'funf', 6: 'sechs', 7: 'sieben', 8: 'acht', 9: 'neun'}
de_uo = {1: 'erste', 2: 'zweite', 3: 'dritte', 4: 'vierte', 5: 'funfte', 6: 'sechste', 7: 'siebte', 8: 'achte', 9: 'neunte'}
de_t = {10: 'zehn', 12: 'zwolf', 13: 'dreizehn', 14: 'vierzehn', 15: 'funfzehn', 16: 'sechzehn', 17: 'siebzehn',
        18: 'achtzehn', 19: 'neunzehn', 20: 'zwanzig', 30: 'dreissig', 40: 'vierzig', 50: 'funfzig', 60: 'sechzig',
        70: 'siebzig', 80: 'achtzig', 90: 'neunzig'}
def de_ord(w):
    return [w + 'ste', w + 'ster', w + 'sten', w + 'stes'] if w.endswith('ig') else [w + 'te', w + 'ter', w + 'ten', w + 'tes']
for v, w in de_u.items():
    add(v, w, w.replace('funf', 'fuenf'))
for v, w in de_uo.items():
    add(v, w, w + 'r', w + 'n', w + 's', w.replace('funf', 'fuenf'))
for v, w in de_t.items():
    add(v, w, *de_ord(w))
    if 'funf' in w or 'zwolf' in w:
        add(v, w.replace('funf', 'fuenf').replace('zwolf', 'zwoelf'))
add(11, 'elfte', 'elfter', 'elften')
add(30, 'dreisig')
for t in range(20, 100, 10):
    for u in range(1, 10):
        uw = 'ein' if u == 1 else de_u[u]
        w = uw + 'und' + de_t[t]
        add(t + u, w, *de_ord(w))

# ---- French
fr_u = {2: 'deux', 3: 'trois', 4: 'quatre', 5: 'cinq', 6: 'six', 7: 'sept', 8: 'huit', 9: 'neuf'}
fr_t = {10: 'dix', 11: 'onze', 12: 'douze', 13: 'treize', 14: 'quatorze', 15: 'quinze', 16: 'seize',
        20: 'vingt', 30: 'trente', 40: 'quarante', 50: 'cinquante', 60: 'soixante'}
def fr_ord(w):
    b = w[:-1] if w.endswith('e') else w
    b = {'cinq': 'cinqu', 'neuf': 'neuv'}.get(b, b)
    return [b + 'ieme', b + 'iemes']
add(1, 'premiere')
add(2, 'second', 'seconde')
for v, w in {**fr_u, **fr_t}.items():
    add(v, w, *fr_ord(w))
for v in (17, 18, 19):
    for j in ('-', ' '):
        add(v, 'dix' + j.strip() + ('' if j == '-' else '') + fr_u[v - 10]) if False else None
    add(v, 'dix ' + fr_u[v - 10], *['dix ' + x for x in fr_ord(fr_u[v - 10])], 'dix' + fr_u[v - 10])
for t in (20, 30, 40, 50, 60):
    for u in range(1, 10):
        us = ['et un', 'et une', 'et unieme'] if u == 1 else [fr_u[u]] + fr_ord(fr_u[u])
        for x in us:
            add(t + u, fr_t[t] + ' ' + x)
for u in range(0, 20):
    v = 60 + 10 + u - 10 if u >= 10 else None
for u in range(10, 20):
    base = {10: 'dix', 11: 'onze', 12: 'douze', 13: 'treize', 14: 'quatorze', 15: 'quinze', 16: 'seize',
            17: 'dix sept', 18: 'dix huit', 19: 'dix neuf'}[u]
    add(60 + u, 'soixante ' + base, *['soixante ' + x for x in fr_ord(base.split()[-1]) if ' ' not in base])
    add(80 + u, 'quatre vingt ' + base)
add(80, 'quatre vingt', 'quatre vingts', 'quatre vingtieme')
for u in range(1, 10):
    add(80 + u, 'quatre vingt ' + fr_u.get(u, 'un'), *['quatre vingt ' + x for x in fr_ord(fr_u.get(u, 'un'))])
add(71, 'soixante et onze')

# ---- Spanish
es_u = {2: 'dos', 3: 'tres', 4: 'cuatro', 5: 'cinco', 6: 'seis', 7: 'siete', 8: 'ocho', 9: 'nueve'}
es_uo = {1: ['primero', 'primera'], 2: ['segundo', 'segunda'], 3: ['tercero', 'tercera', 'tercer'],
         4: ['cuarto', 'cuarta'], 5: ['quinto', 'quinta'], 6: ['sexto', 'sexta'], 7: ['septimo', 'septima'],
         8: ['octavo', 'octava'], 9: ['noveno', 'novena']}
es_t = {10: 'diez', 12: 'doce', 13: 'trece', 14: 'catorce', 15: 'quince', 16: 'dieciseis', 17: 'diecisiete',
        18: 'dieciocho', 19: 'diecinueve', 20: 'veinte', 30: 'treinta', 40: 'cuarenta', 50: 'cincuenta', 60: 'sesenta',
        70: 'setenta', 80: 'ochenta', 90: 'noventa'}
es_to = {10: ['decimo', 'decima'], 20: ['vigesimo', 'vigesima'], 30: ['trigesimo', 'trigesima'],
         40: ['cuadragesimo'], 50: ['quincuagesimo'], 60: ['sexagesimo'], 70: ['septuagesimo'], 80: ['octogesimo'],
         90: ['nonagesimo']}
for v, w in es_u.items():
    if w != 'dos':  # "Dos Santos"
        add(v, w)
for v, ws in es_uo.items():
    add(v, *ws)
for v, w in es_t.items():
    add(v, w)
for v, ws in es_to.items():
    add(v, *ws)
for u in range(1, 10):
    add(20 + u, 'veinti' + ('uno' if u == 1 else es_u[u]))
    for t in range(30, 100, 10):
        add(t + u, es_t[t] + ' y ' + ('uno' if u == 1 else es_u[u]))
    for t in range(10, 100, 10):
        for o in es_to[t]:
            for uo in es_uo[u]:
                add(t + u, o + ' ' + uo)

print("# numbers.txt — number words and ordinals, read as digits (generated by")
print("# scripts/data/gen_numbers.py: English, Russian as BGN/PCGN romanizes it, German,")
print("# French, Spanish; compounds hyphenated, spaced or glued; common misspellings).")
print("# canonical|alternative|...: the canonical form is the number. Words that are also")
print("# ordinary name words (un, una, ein, elf, once, dos, sem, tri, mil, premier) are left out.")
print("# The line 'no|...' lists the words that say 'number' before one (No. 14, N9, Nr. 3): dropped there.")
print("no|nr|n|no.|number|num|nomer|numero|nummer|nro")
for v in sorted(forms):
    print(f"{v}|" + "|".join(forms[v]))
