//! Vocabularies the generator draws names, companies and domains from.
//!
//! Every word is plain ASCII letters (some with spaces), so no CSV field ever
//! needs quoting and no e-mail local part or domain label ends in a digit
//! (the copies made by `--scale` rely on that to stay unique).

/// First names of the people who sign up.
#[rustfmt::skip]
pub const FIRST_NAMES: &[&str] = &[
    "Aaron", "Abigail", "Adam", "Adrian", "Aisha", "Alan", "Alice", "Amara", "Amelia", "Ana",
    "Andre", "Andrew", "Angela", "Anita", "Ari", "Arjun", "Ava", "Beatriz", "Ben", "Bianca",
    "Blake", "Brandon", "Brianna", "Caleb", "Camila", "Carla", "Carlos", "Carmen", "Chen", "Chloe",
    "Chris", "Clara", "Colin", "Daniel", "Daria", "David", "Deepa", "Diego", "Dmitri", "Elena",
    "Eli", "Elif", "Ella", "Emeka", "Emily", "Emma", "Eric", "Erin", "Ethan", "Eva", "Fatima",
    "Felix", "Fiona", "Gabriel", "Grace", "Hannah", "Hana", "Harper", "Hassan", "Hugo", "Ian",
    "Imani", "Ines", "Isaac", "Isabel", "Ivan", "Jack", "Jada", "James", "Jasmine", "Javier",
    "Jenna", "Jin", "Joel", "Jordan", "Jose", "Julia", "Kai", "Kara", "Kenji", "Kevin", "Kiara",
    "Laila", "Lars", "Laura", "Leah", "Leo", "Liam", "Lina", "Lucas", "Luis", "Maddie", "Malik",
    "Marco", "Maria", "Mark", "Mateo", "Mei", "Mia", "Miguel", "Mila", "Nadia", "Naomi", "Nate",
    "Nia", "Nico", "Nina", "Noah", "Nora", "Omar", "Oscar", "Owen", "Paula", "Pedro", "Priya",
    "Quinn", "Rachel", "Rafael", "Raj", "Rosa", "Ruby", "Ryan", "Sam", "Sara", "Sean", "Sofia",
    "Sophie", "Stella", "Tara", "Theo", "Tomas", "Uma", "Valeria", "Victor", "Wei", "Will", "Yara",
    "Yusuf", "Zoe", "Zara",
];

/// Last names of the people who sign up.
#[rustfmt::skip]
pub const LAST_NAMES: &[&str] = &[
    "Abbott", "Acosta", "Adams", "Alvarez", "Andersen", "Arnold", "Bailey", "Baker", "Banks",
    "Barnes", "Bauer", "Becker", "Bell", "Bennett", "Berg", "Bishop", "Boone", "Bose", "Brady",
    "Brennan", "Brooks", "Bryant", "Burke", "Byrne", "Campbell", "Cardenas", "Carter", "Castillo",
    "Chang", "Chavez", "Choi", "Clarke", "Cole", "Collins", "Cooper", "Costa", "Cruz", "Dalton",
    "Daniels", "Das", "Dawson", "Diaz", "Dixon", "Doyle", "Duarte", "Dunn", "Ellis", "Evans",
    "Farah", "Fernandez", "Fischer", "Fleming", "Flores", "Foster", "Fox", "Franco", "Fraser",
    "Gallagher", "Garcia", "Gibson", "Gill", "Gomez", "Gordon", "Graham", "Grant", "Gray", "Green",
    "Gupta", "Hale", "Hall", "Hansen", "Hayes", "Hernandez", "Hill", "Hoffman", "Holt", "Hughes",
    "Hunt", "Ibrahim", "Ito", "Jensen", "Jimenez", "Johnson", "Jones", "Joshi", "Kane", "Kaur",
    "Keller", "Kelly", "Khan", "Kim", "Klein", "Knight", "Koch", "Kruger", "Lam", "Lambert", "Lane",
    "Larsen", "Le", "Lee", "Lewis", "Lim", "Lin", "Lopez", "Lucas", "Lund", "Maddox", "Malone",
    "Marsh", "Martin", "Mehta", "Mendoza", "Meyer", "Miller", "Mitchell", "Moore", "Morales",
    "Moreno", "Murphy", "Murray", "Nakamura", "Nash", "Navarro", "Nguyen", "Nielsen", "Novak",
    "Obi", "Okafor", "Olsen", "Ortiz", "Owens", "Park", "Parker", "Pearson", "Perez", "Perry",
    "Peters", "Pham", "Price", "Ramos", "Reed", "Reyes", "Rivera", "Roberts", "Rojas", "Romero",
    "Rossi", "Russo", "Salazar", "Santos", "Schmidt", "Scott", "Shah", "Shaw", "Silva", "Singh",
    "Smith", "Soto", "Sullivan", "Suzuki", "Tan", "Tanaka", "Taylor", "Torres", "Tran", "Turner",
    "Vargas", "Vega", "Wagner", "Walker", "Walsh", "Wang", "Ward", "Weber", "Wells", "West",
    "White", "Wong", "Wright", "Wu", "Yamamoto", "Young", "Zhang", "Zimmerman",
];

/// Sports team nicknames used as company names (a nod to the Rams, Jets and
/// Thunder of the story; those planted teams are deliberately absent here).
#[rustfmt::skip]
pub const TEAMS: &[&str] = &[
    "Aces", "Astros", "Athletics", "Avalanche", "Bears", "Bengals", "Bills", "Blackhawks",
    "Blazers", "Blues", "Braves", "Brewers", "Broncos", "Browns", "Bruins", "Bucks", "Canucks",
    "Capitals", "Cardinals", "Cavaliers", "Celtics", "Chargers", "Chiefs", "Clippers", "Colts",
    "Cowboys", "Coyotes", "Cubs", "Devils", "Dodgers", "Dolphins", "Ducks", "Eagles", "Falcons",
    "Flames", "Flyers", "Galaxy", "Giants", "Grizzlies", "Hawks", "Heat", "Hornets", "Hurricanes",
    "Islanders", "Jaguars", "Jazz", "Kings", "Knicks", "Kraken", "Lakers", "Liberty", "Lightning",
    "Lions", "Magic", "Mariners", "Marlins", "Mavericks", "Mets", "Mystics", "Nationals", "Nuggets",
    "Oilers", "Orioles", "Packers", "Padres", "Panthers", "Patriots", "Pelicans", "Penguins",
    "Pirates", "Pistons", "Predators", "Raiders", "Rangers", "Raptors", "Ravens", "Reds", "Rockets",
    "Rockies", "Royals", "Sabres", "Saints", "Seahawks", "Senators", "Sharks", "Sounders", "Sparks",
    "Spurs", "Stars", "Steelers", "Storm", "Suns", "Texans", "Tigers", "Timberwolves", "Titans",
    "Twins", "Vikings", "Warriors", "Whitecaps", "Wild", "Wizards", "Yankees",
];

/// First words of invented company names.
#[rustfmt::skip]
pub const COMPANY_WORDS: &[&str] = &[
    "Atlantic", "Big", "Blue", "Bold", "Bright", "Cedar", "Clear", "Clever", "Copper", "Cosmic",
    "Crystal", "Electric", "Evergreen", "Golden", "Granite", "Green", "Happy", "Hidden", "Honest",
    "Iron", "Little", "Lucky", "Lunar", "Maple", "Modern", "Nimble", "Northern", "Open", "Pacific",
    "Prairie", "Quiet", "Rapid", "Red", "Silver", "Solar", "Solid", "Southern", "Stellar",
    "Straight", "Summit", "Sunny", "Swift", "True", "Urban", "Velvet", "Wild",
];

/// Second words of invented company names.
#[rustfmt::skip]
pub const COMPANY_NOUNS: &[&str] = &[
    "Analytics", "Anchor", "Arrows", "Badgers", "Bakery", "Beacon", "Bridge", "Canyon", "Circuit",
    "Cloud", "Collective", "Compass", "Cranes", "Dynamics", "Falcon", "Forge", "Foxes", "Grove",
    "Harbor", "Insights", "Kitchen", "Labs", "Lantern", "Logic", "Loop", "Metrics", "Orchard",
    "Otters", "Partners", "Peak", "Pixel", "Ridge", "River", "Robotics", "Rocket", "Signal",
    "Spark", "Stack", "Studio", "Systems", "Toasters", "Ventures", "Wave", "Works",
];

/// Team names appended to a company's name for its second and later gaggles.
#[rustfmt::skip]
pub const GAGGLE_SUFFIXES: &[&str] = &[
    "Data Team", "Design", "East", "Engineering", "Finance", "Front Office", "HQ", "Lunch Club",
    "Marketing", "Night Shift", "Ops", "People Team", "Product", "Sales", "Support", "West",
];

/// First words of the names of purely social gaggles (no corporate user).
#[rustfmt::skip]
pub const SOCIAL_WORDS: &[&str] = &[
    "Cheesy", "Crispy", "Crunchy", "Golden", "Hungry", "Late Night", "Melty", "Midnight", "Saucy",
    "Sleepy", "Toasty", "Weekend",
];

/// Second words of the names of purely social gaggles.
#[rustfmt::skip]
pub const SOCIAL_NOUNS: &[&str] = &[
    "Crew", "Crumbs", "Flock", "Foodies", "Gang", "Geese", "Jafflers", "Sandwich Club", "Snackers",
    "Toastmasters",
];

/// Top-level domains of corporate domains, with relative weights.
pub const TLDS: &[(&str, u32)] = &[
    ("com", 55),
    ("io", 12),
    ("co", 8),
    ("ai", 7),
    ("net", 7),
    ("org", 5),
    ("dev", 2),
    ("app", 2),
    ("tech", 2),
];

/// The five personal e-mail domains of the story, with relative weights.
pub const PERSONAL_DOMAINS: &[(&str, u32)] = &[
    ("gmail.com", 44),
    ("yahoo.com", 16),
    ("outlook.com", 15),
    ("hotmail.com", 13),
    ("icloud.com", 12),
];

/// The lower-case letters of `words`, joined: the form of a local part or a
/// domain label (`"Straight Shooters"` gives `"straightshooters"`).
pub fn squash(words: &str) -> String {
    words
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `words` without spaces, keeping their capitals (`"StraightShooters"`).
pub fn camel(words: &str) -> String {
    words.chars().filter(char::is_ascii_alphabetic).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_plain_letters() {
        let lists = [
            FIRST_NAMES,
            LAST_NAMES,
            TEAMS,
            COMPANY_WORDS,
            COMPANY_NOUNS,
            GAGGLE_SUFFIXES,
            SOCIAL_WORDS,
            SOCIAL_NOUNS,
        ];
        for list in lists {
            for word in list {
                assert!(
                    word.chars().all(|c| c.is_ascii_alphabetic() || c == ' '),
                    "{word}"
                );
            }
        }
    }

    #[test]
    fn planted_teams_are_absent() {
        for team in [
            "Rams",
            "Jets",
            "Thrashers",
            "SuperSonics",
            "Thunder",
            "Outlaws",
        ] {
            assert!(!TEAMS.contains(&team), "{team}");
        }
    }

    #[test]
    fn squash_and_camel() {
        assert_eq!(squash("Straight Shooters"), "straightshooters");
        assert_eq!(camel("Straight Shooters"), "StraightShooters");
    }
}
