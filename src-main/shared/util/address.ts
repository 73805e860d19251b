// The domain of an address, lower-cased: everything after its last "@" (a quoted local part may
// itself contain one). An address without "@" gives the whole string, lower-cased.
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
