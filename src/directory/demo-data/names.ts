// First and last names of the demo organisation's people, from many countries (accents and apostrophes
// included on purpose: e-mail local parts must fold them).

/** A comma-separated list (names may contain spaces and apostrophes). */
const words = (text: string) =>
  text
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean);

export const FIRST_NAMES: readonly string[] = words(`
  Olivia, Liam, Emma, Noah, Amelia, Oliver, Ava, Elijah, Sophia, James, Isabella, William, Mia,
  Benjamin, Charlotte, Lucas, Harper, Henry, Evelyn, Alexander, Aisha, Mohammed, Fatima, Omar,
  Priya, Arjun, Ananya, Rohan, Mei, Wei, Hiroshi, Yuki, Sakura, Kenji, Ji-woo, Min-jun, Seo-yeon,
  Chloé, Léa, Hugo, Zoë, José, Lucía, Mateo, Sofía, Diego, Valentina, João, Ana, Pedro, Lukas,
  Anna, Jonas, Lena, Finn, Marie, Björn, Astrid, Søren, Ingrid, Kwame, Amara, Chidi, Nia, Tariq,
  Layla, Yusuf, Zara, Daniel, Grace, Samuel, Hannah, David, Sarah, Michael, Emily, Thomas, Laura,
  Patrick, Siobhan, Aoife, Niamh, Ciarán, Rhys, Megan, Callum, Isla, Ethan, Ruby, Jack, Nora, Leo,
  Elena, Ivan, Olga, Dmitri, Katarzyna, Piotr, Agnieszka, Tomasz
`);

export const LAST_NAMES: readonly string[] = words(`
  Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, Hernandez,
  Lopez, Gonzalez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee, Perez, Thompson,
  White, Harris, Clark, Lewis, Robinson, Walker, Young, Patel, Shah, Singh, Kumar, Gupta, Iyer,
  Khan, Ahmed, Hussain, Rahman, Chen, Wang, Li, Zhang, Liu, Tanaka, Suzuki, Sato, Kim, Park,
  Nguyen, Tran, Müller, Schmidt, Schneider, Fischer, Weber, Becker, Dubois, Lefèvre, Moreau,
  Laurent, Rossi, Russo, Bianchi, Silva, Santos, Oliveira, Pereira, Costa, Johansson, Andersson,
  Nielsen, Hansen, Larsen, Kowalski, Nowak, Wiśniewski, Ivanova, Petrov, O'Brien, O'Connor, Murphy,
  Kelly, MacDonald, Campbell, Stewart, Okafor, Adeyemi, Mensah, Van der Berg, De Vries, Jansen,
  Haddad, Nasser, Cohen, Levi, Novak, Horvat, Popescu
`);
