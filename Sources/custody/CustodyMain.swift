import CustodyCLI

@main
struct CustodyMain {
    static func main() async {
        await CustodyEntry.main()
    }
}
