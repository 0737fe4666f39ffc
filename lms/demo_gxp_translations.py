"""The demo's GxP course (lms.demo.GXP) in Norwegian Bokmål and Lithuanian: every text of the
source, in the source's order (modules, their lessons, a quiz's questions with their answers
in the same order). Loaded by lms.demo_languages."""

QUIZ_INTRO = {
    "nb": "Svar på spørsmålene. Du må ha 70 % riktig for å bestå, og du kan prøve igjen.",
    "lt": "Atsakykite į klausimus. Kad išlaikytumėte, reikia 70 % teisingų atsakymų; galite bandyti dar kartą.",
}
FILE_INTRO = {
    "nb": "Åpne PDF-en, les den, og merk deretter denne leksjonen som fullført.",
    "lt": "Atidarykite PDF failą, perskaitykite jį ir pažymėkite šią pamoką kaip baigtą.",
}

# language -> {title, summary, modules: [(module title, [(lesson title, text, questions)])]};
# text None: the quiz or file lesson's standard introduction above; questions: [(prompt, answers)].
GXP_TRANSLATIONS = {
    "nb": {
        "title": "GxP-grunnkurs for fagfolk innen medisinsk utstyr",
        "summary": "God praksis gjennom hele utstyrets livssyklus: dokumentasjon, avvik, "
                   "endringskontroll og dataintegritet etter EUs forordning om medisinsk utstyr (MDR) og ISO 13485.",
        "modules": [
            ("Grunnleggende om GxP", [
                ("Hvorfor GxP er viktig", "## Hvorfor GxP er viktig\n\nRetningslinjer for god praksis (GxP) "
                 "sikrer at produktene er **trygge**, oppfyller tiltenkt bruk og blir laget under kontrollerte "
                 "forhold.\n\n- Pasientsikkerheten kommer først\n- Dokumentasjonen må oppfylle *ALCOA+*\n"
                 "- Hver endring er kontrollert", []),
                ("GxP-hurtigoversikt (PDF)", None, []),
            ]),
            ("Dokumentasjon og dataintegritet", [
                ("ALCOA+ i praksis", "## ALCOA+\n\nData må kunne knyttes til personen som registrerte dem "
                 "(*Attributable*), være leselige (*Legible*), registreres samtidig med arbeidet "
                 "(*Contemporaneous*), være originale (*Original*) og nøyaktige (*Accurate*) – og i tillegg "
                 "fullstendige, konsistente, varige og tilgjengelige.\n\n| Prinsipp | Eksempel |\n|---|---|\n"
                 "| Knyttet til person | Signerte og daterte registreringer |\n"
                 "| Samtidig | Registrert når arbeidet utføres |", []),
                ("Kontroll av dataintegritet", None, [
                    ("Hvilket prinsipp krever at en registrering viser hvem som laget den?",
                     ["Knyttet til person (Attributable)", "Leselig (Legible)", "Varig (Enduring)"]),
                    ("Hvilke inngår i ALCOA+?", ["Original", "Nøyaktig", "Anonym"]),
                    ("En rettelse i en papirjournal skal …",
                     ["skjule den opprinnelige registreringen",
                      "være signert og datert og la det opprinnelige være leselig",
                      "gjøres med korrekturlakk"]),
                ]),
            ]),
            ("Avvik, CAPA og endringskontroll", [
                ("Fra avvik til CAPA", "## Fra avvik til CAPA\n\n1. Registrer avviket\n"
                 "2. Vurder konsekvensene for produkt og pasient\n3. Finn rotårsaken\n"
                 "4. Fastsett korrigerende og forebyggende tiltak\n5. Kontroller effekten", []),
                ("Kunnskapstest: CAPA", None, [
                    ("Hva gjør du først når et avvik oppdages?",
                     ["Lukker det", "Registrerer det", "Ser bort fra det hvis det er lite"]),
                    ("Et forebyggende tiltak …",
                     ["hindrer at et problem oppstår igjen andre steder", "retter bare den aktuelle batchen"]),
                ]),
            ]),
        ],
    },
    "lt": {
        "title": "GxP pagrindai medicinos prietaisų specialistams",
        "summary": "Geroji praktika per visą prietaiso gyvavimo ciklą: dokumentavimas, nukrypimai, "
                   "pakeitimų valdymas ir duomenų vientisumas pagal ES medicinos priemonių reglamentą (MDR) ir ISO 13485.",
        "modules": [
            ("GxP pagrindai", [
                ("Kodėl GxP svarbu", "## Kodėl GxP svarbu\n\nGerosios praktikos (GxP) gairės užtikrina, kad "
                 "gaminiai būtų **saugūs**, atitiktų numatytąją paskirtį ir būtų gaminami kontroliuojamomis "
                 "sąlygomis.\n\n- Paciento saugumas svarbiausias\n- Įrašai turi atitikti *ALCOA+*\n"
                 "- Kiekvienas pakeitimas yra valdomas", []),
                ("GxP trumpasis vadovas (PDF)", None, []),
            ]),
            ("Dokumentavimas ir duomenų vientisumas", [
                ("ALCOA+ praktikoje", "## ALCOA+\n\nDuomenys turi būti priskirtini juos užregistravusiam asmeniui "
                 "(*Attributable*), įskaitomi (*Legible*), užregistruoti darbo atlikimo metu (*Contemporaneous*), "
                 "originalūs (*Original*) ir tikslūs (*Accurate*), be to, išsamūs, nuoseklūs, ilgalaikiai ir "
                 "prieinami.\n\n| Principas | Pavyzdys |\n|---|---|\n| Priskirtinas asmeniui | Pasirašyti ir "
                 "datuoti įrašai |\n| Užregistruotas laiku | Įrašoma atliekant darbą |", []),
                ("Duomenų vientisumo patikra", None, [
                    ("Kuris principas reikalauja, kad įraše būtų matyti, kas jį padarė?",
                     ["Priskirtinas asmeniui (Attributable)", "Įskaitomas (Legible)", "Ilgalaikis (Enduring)"]),
                    ("Kurie iš šių priklauso ALCOA+?", ["Originalus", "Tikslus", "Anoniminis"]),
                    ("Taisymas popieriniame įraše turi…",
                     ["paslėpti pradinį įrašą",
                      "būti pasirašytas ir datuotas, o pradinis įrašas turi likti įskaitomas",
                      "būti atliktas korektoriumi"]),
                ]),
            ]),
            ("Nukrypimai, CAPA ir pakeitimų valdymas", [
                ("Nuo nukrypimo iki CAPA", "## Nuo nukrypimo iki CAPA\n\n1. Užregistruokite nukrypimą\n"
                 "2. Įvertinkite poveikį gaminiui ir pacientui\n3. Nustatykite pagrindinę priežastį\n"
                 "4. Numatykite korekcinius ir prevencinius veiksmus\n5. Patikrinkite veiksmingumą", []),
                ("CAPA žinių patikra", None, [
                    ("Ką reikia padaryti pirmiausia, kai nustatomas nukrypimas?",
                     ["Jį uždaryti", "Jį užregistruoti", "Jį ignoruoti, jei jis nedidelis"]),
                    ("Prevencinis veiksmas…",
                     ["neleidžia problemai pasikartoti kitur", "ištaiso tik dabartinę seriją"]),
                ]),
            ]),
        ],
    },
}
